// The desktop shell's save dialog for bundles, driven with a fake of Electron's dialog.
import { describe, expect, it } from 'vitest'
import { bundleSavePath, type SaveDialogLike } from '../../src/main/electron/save-dialog'

function fakeDialog(answer: { canceled: boolean; filePath?: string }): {
  dialog: SaveDialogLike
  asked: Parameters<SaveDialogLike['showSaveDialog']>[0][]
} {
  const asked: Parameters<SaveDialogLike['showSaveDialog']>[0][] = []
  return {
    asked,
    dialog: {
      showSaveDialog: async (options) => {
        asked.push(options)
        return answer
      },
    },
  }
}

describe('bundleSavePath', () => {
  it('offers the suggested name in the folder, for zip files, and returns the chosen path', async () => {
    const { dialog, asked } = fakeDialog({ canceled: false, filePath: '/home/a/run.zip' })
    expect(await bundleSavePath(dialog, '/home/a/Downloads')('tako-run-x.zip')).toBe(
      '/home/a/run.zip',
    )
    expect(asked).toEqual([
      {
        title: 'Export run bundle',
        defaultPath: '/home/a/Downloads/tako-run-x.zip',
        filters: [{ name: 'Tako run bundle', extensions: ['zip'] }],
      },
    ])
  })

  it('is null when the person cancels (or no path comes back)', async () => {
    expect(await bundleSavePath(fakeDialog({ canceled: true }).dialog, '/d')('a.zip')).toBeNull()
    expect(await bundleSavePath(fakeDialog({ canceled: false }).dialog, '/d')('a.zip')).toBeNull()
  })
})
