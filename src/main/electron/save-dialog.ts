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

/** Asks where to save a bundle (in `folder` by default); null when the person cancels. */
export function bundleSavePath(
  dialog: SaveDialogLike,
  folder: string,
): (suggestedName: string) => Promise<string | null> {
  return async (suggestedName) => {
    const r = await dialog.showSaveDialog({
      title: 'Export run bundle',
      defaultPath: path.join(folder, suggestedName),
      filters: [{ name: 'Tako run bundle', extensions: ['zip'] }],
    })
    return r.canceled || !r.filePath ? null : r.filePath
  }
}
