import { useCallback, useMemo } from 'react'
import { exportRun, importFile } from '../bundle'
import { errorMessage } from '../format'
import type { Notices } from './useNotices'

/** Export and import of run bundles, reported through the notices. */
export function useBundles(
  notices: Notices,
  after: { refresh: () => Promise<void>; open: (id: string) => Promise<void> },
): { exportRun: (id: string) => void; importFile: (file: File) => void } {
  const { refresh, open } = after
  const doExport = useCallback(
    (id: string) => {
      exportRun(id).then((text) => text && notices.info(text), notices.error)
    },
    [notices],
  )
  const doImport = useCallback(
    (file: File) => {
      notices.info(`Checking ${file.name}…`)
      importFile(file)
        .then(async ({ id, originalId }) => {
          await refresh()
          await open(id)
          notices.info(`Imported run ${originalId.slice(0, 8)} from ${file.name} as a new run`)
        })
        .catch((err: unknown) =>
          notices.error(new Error(`${file.name} was not imported: ${errorMessage(err)}`)),
        )
    },
    [notices, refresh, open],
  )
  return useMemo(() => ({ exportRun: doExport, importFile: doImport }), [doExport, doImport])
}
