// What a dropped or picked .zip is, from its entries' names only (nothing is inflated), by the rule
// the pack reader itself uses (packRoot; see docs/exercise-pack.md, 'The pack'): a run bundle's
// `input/exercise.json` beside manifest.json (see docs/bundles.md) does not make it a pack.
import { packRoot } from '../../shared/exercise'

/** True when the zip's names are those of an exercise pack. */
export function namesOfExercisePack(names: readonly string[]): boolean {
  return packRoot(names) !== null
}

export async function isExercisePack(file: Blob): Promise<boolean> {
  const names: string[] = []
  // Loaded when a zip is given, not with the app's first screen.
  const { unzipSync } = await import('fflate')
  try {
    unzipSync(new Uint8Array(await file.arrayBuffer()), {
      filter: (entry) => {
        names.push(entry.name)
        return false
      },
    })
  } catch {
    return false
  }
  return namesOfExercisePack(names)
}
