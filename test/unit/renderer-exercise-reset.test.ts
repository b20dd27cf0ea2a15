// "Reset to starter code" in an exercise: it asks before it replaces changes that are in no attempt,
// as loading an attempt's code does.
import { describe, expect, it } from 'vitest'
import { replacing } from '../../src/renderer/src/components/exercises/replace-code'

const starter = 'numbers = data["numbers"]\n'
const checked = 'print(sum(numbers) / len(numbers))\n'

describe('replacing the code in an exercise', () => {
  it('asks before resetting code that has changes in no attempt', () => {
    expect(replacing('print("my unsaved work")\n', checked, starter)).toBe('ask')
    // Nothing checked yet: the starter is what counts as saved.
    expect(replacing('print("my unsaved work")\n', starter, starter)).toBe('ask')
  })

  it('resets at once when the code is the one last checked or loaded', () => {
    expect(replacing(checked, checked, starter)).toBe('replace')
  })

  it('does nothing when the editor already holds the starter code', () => {
    expect(replacing(starter, checked, starter)).toBe('nothing')
    expect(replacing(starter, starter, starter)).toBe('nothing')
  })
})
