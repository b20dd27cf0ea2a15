/**
 * The rows of the artifact list as a folder tree: each folder once, before its contents, with the
 * number of files under it; a collapsed folder hides everything below it. Pure, linear in the
 * number of files (10,000 files cost one pass), driven by unit tests.
 */
import type { ArtifactInfo } from '../../shared/run'

export type TreeRow =
  | { kind: 'folder'; path: string; name: string; depth: number; files: number }
  | { kind: 'file'; artifact: ArtifactInfo; name: string; depth: number }

export function treeRows(
  artifacts: readonly ArtifactInfo[],
  collapsed: ReadonlySet<string>,
): TreeRow[] {
  const sorted = [...artifacts].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  // Files under each folder path, counted first so a folder row can say how many it holds.
  const counts = new Map<string, number>()
  for (const a of sorted) {
    const parts = a.name.split('/')
    for (let i = 1; i < parts.length; i++) {
      const p = parts.slice(0, i).join('/')
      counts.set(p, (counts.get(p) ?? 0) + 1)
    }
  }
  const rows: TreeRow[] = []
  let open: string[] = []
  for (const a of sorted) {
    const parts = a.name.split('/')
    const folders = parts.slice(0, -1)
    // Keep the folders this file shares with the previous one; open the new ones.
    let same = 0
    while (same < open.length && same < folders.length && open[same] === folders[same]) same++
    open = open.slice(0, same)
    let hidden = false
    for (let i = 0; i < same; i++) {
      if (collapsed.has(folders.slice(0, i + 1).join('/'))) hidden = true
    }
    for (let i = same; i < folders.length; i++) {
      const path = folders.slice(0, i + 1).join('/')
      open.push(folders[i] ?? '')
      if (!hidden)
        rows.push({
          kind: 'folder',
          path,
          name: folders[i] ?? '',
          depth: i,
          files: counts.get(path) ?? 0,
        })
      if (collapsed.has(path)) hidden = true
    }
    if (!hidden)
      rows.push({ kind: 'file', artifact: a, name: parts.at(-1) ?? a.name, depth: folders.length })
  }
  return rows
}
