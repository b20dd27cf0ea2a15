import { describe, expect, it } from 'vitest'
import { parseExerciseSpec } from '../../src/main/app/exercise-spec'

const files = new Set(['starter.py', 'instructions.md'])

function spec(test: Record<string, unknown>, top: Record<string, unknown> = {}): string {
  return JSON.stringify({
    format: 1,
    id: 'mean',
    title: 'Mean',
    environment: 'default',
    instructions: 'instructions.md',
    starter: 'starter.py',
    tests: [test],
    ...top,
  })
}

const ok = { name: 't', points: 1, visibility: 'visible', expect: { stdout: { contains: 'x' } } }

describe("a pack's exercise.json problems, in a teacher's words", () => {
  it('says a required field is missing, with what it expects', () => {
    const noVisibility: Record<string, unknown> = { ...ok }
    delete noVisibility.visibility
    expect(() => parseExerciseSpec(spec(noVisibility), files)).toThrow(
      'Pack refused: exercise.json: tests.0.visibility: missing (expected one of "visible"|"hidden")',
    )
    expect(() => parseExerciseSpec(spec(ok, { instructions: undefined }), files)).toThrow(
      'Pack refused: exercise.json: instructions: missing (expected string)',
    )
  })

  it('keeps the plain reason for a value that is there but wrong', () => {
    expect(() => parseExerciseSpec(spec({ ...ok, visibility: 'secret' }), files)).toThrow(
      'Pack refused: exercise.json: tests.0.visibility: Invalid option: expected one of "visible"|"hidden"',
    )
    expect(() => parseExerciseSpec(spec({ ...ok, visibility: null }), files)).toThrow(
      'tests.0.visibility: Invalid option',
    )
  })

  it('names the top level when the whole file is the wrong kind of value', () => {
    expect(() => parseExerciseSpec('[1, 2]', files)).toThrow(
      'Pack refused: exercise.json: (top level): Invalid input: expected object, received array',
    )
  })
})
