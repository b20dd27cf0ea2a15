// Which zips the Scripts view hands to the exercises instead of the run-bundle import.
import { zipSync, strToU8 } from 'fflate'
import { describe, expect, it } from 'vitest'
import { isExercisePack, namesOfExercisePack } from '../../src/renderer/src/zip-kind'

describe('namesOfExercisePack', () => {
  it('a pack: exercise.json at the top or inside its one folder', () => {
    expect(namesOfExercisePack(['exercise.json', 'starter.py'])).toBe(true)
    expect(namesOfExercisePack(['mean/', 'mean/exercise.json', 'mean/starter.py'])).toBe(true)
  })

  it('not a pack: a run bundle (even with an input file named exercise.json), or no exercise.json', () => {
    expect(namesOfExercisePack(['manifest.json', 'code/main.py', 'input/exercise.json'])).toBe(
      false,
    )
    expect(namesOfExercisePack(['a/exercise.json', 'b/starter.py'])).toBe(false)
    expect(namesOfExercisePack(['a/b/exercise.json'])).toBe(false)
    expect(namesOfExercisePack(['myexercise.json', 'README.txt'])).toBe(false)
    expect(namesOfExercisePack([])).toBe(false)
  })
})

describe('isExercisePack', () => {
  it('reads the names of a real zip; bytes that are no zip are not a pack', async () => {
    const pack = zipSync({ 'p/exercise.json': strToU8('{}'), 'p/starter.py': strToU8('') })
    expect(await isExercisePack(new Blob([pack]))).toBe(true)
    const other = zipSync({ 'README.txt': strToU8('hello') })
    expect(await isExercisePack(new Blob([other]))).toBe(false)
    expect(await isExercisePack(new Blob([strToU8('not a zip')]))).toBe(false)
  })
})
