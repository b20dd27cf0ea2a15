// What a dropped or picked .zip is, from its entries' names only (nothing is inflated): an exercise
// pack holds exercise.json at its top or inside its one folder (see docs/exercise-pack.md, 'The
// pack'); a run bundle's entries are at its top beside manifest.json (see docs/bundles.md), so an
// input file named exercise.json (`input/exercise.json`) does not make one a pack.

/** True when the zip's names are those of an exercise pack. An unreadable zip is not one. */
export function namesOfExercisePack(names: readonly string[]): boolean {
  if (names.includes('exercise.json')) return true
  const inFolder = names.find((n) => /^[^/]+\/exercise\.json$/.test(n))
  if (!inFolder) return false
  const folder = inFolder.slice(0, inFolder.indexOf('/') + 1)
  return names.every((n) => n.startsWith(folder))
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
