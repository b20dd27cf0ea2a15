// The desktop shell's save dialog for run bundles, written against the part of Electron's
// `dialog` it uses so it stays testable without Electron.
import path from 'node:path'

export interface SaveDialogLike {
  showSaveDialog(options: {
    title: string
    defaultPath: string
    filters: { name: string; extensions: string[] }[]
  }): Promise<{ canceled: boolean; filePath?: string }>
}

const KINDS = {
  bundle: { title: 'Export run bundle', filter: 'Tako run bundle' },
  exercise: { title: 'Export exercise pack', filter: 'Tako exercise pack' },
} as const

/** Asks where to save a bundle or pack (in `folder` by default); null when the person cancels. */
export function bundleSavePath(
  dialog: SaveDialogLike,
  folder: string,
): (suggestedName: string, kind?: keyof typeof KINDS) => Promise<string | null> {
  return async (suggestedName, kind = 'bundle') => {
    const r = await dialog.showSaveDialog({
      title: KINDS[kind].title,
      defaultPath: path.join(folder, suggestedName),
      filters: [{ name: KINDS[kind].filter, extensions: ['zip'] }],
    })
    return r.canceled || !r.filePath ? null : r.filePath
  }
}
