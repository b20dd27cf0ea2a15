import { useCallback, useEffect, useMemo, useState } from 'react'
import type { ExerciseDetail, ExerciseSummary } from '../../../shared/exercise'
import { client } from '../api/client'
import { packData } from '../components/exercises/pack-files'
import { errorMessage } from '../format'
import type { Notices } from './useNotices'

/** The example pack the Examples menu opens (examples/exercises/<name>/). */
export const EXAMPLE_EXERCISE = 'mean-of-list'

export interface ExercisesState {
  list: ExerciseSummary[] | null
  selected: ExerciseDetail | null
  select: (id: string | null) => void
  importFile: (file: File) => void
  importExample: () => void
  remove: (id: string) => void
}

/** The imported exercises, the one open, and importing packs (reported through the notices). */
export function useExercises(notices: Notices): ExercisesState {
  const [list, setList] = useState<ExerciseSummary[] | null>(null)
  const [selected, setSelected] = useState<ExerciseDetail | null>(null)
  const { error, info } = notices

  const refresh = useCallback(async () => {
    setList(await client.call('exercises:list', {}))
  }, [])
  useEffect(() => {
    refresh().catch((err: unknown) => {
      setList([])
      error(err)
    })
  }, [refresh, error])

  const select = useCallback(
    (id: string | null) => {
      if (id === null) {
        setSelected(null)
        return
      }
      client.call('exercises:get', { id }).then(setSelected, error)
    },
    [error],
  )

  const opened = useCallback(
    async (summary: ExerciseSummary, from: string) => {
      await refresh()
      select(summary.id)
      info(`Opened the exercise "${summary.title}" from ${from}`)
    },
    [refresh, select, info],
  )

  const importFile = useCallback(
    (file: File) => {
      info(`Checking ${file.name}…`)
      const imported = client.importExercise
        ? client
            .importExercise(file)
            .then(({ id }) => client.call('exercises:get', { id }) as Promise<ExerciseSummary>)
        : packData(file).then((data) => client.call('exercises:import', { data }))
      imported
        .then((s) => opened(s, file.name))
        .catch((err: unknown) =>
          error(new Error(`${file.name} was not imported: ${errorMessage(err)}`)),
        )
    },
    [opened, info, error],
  )

  const importExample = useCallback(() => {
    client
      .call('exercises:importExample', { name: EXAMPLE_EXERCISE })
      .then((s) => opened(s, 'the examples'))
      .catch(error)
  }, [opened, error])

  const remove = useCallback(
    (id: string) => {
      client
        .call('exercises:delete', { id })
        .then(async () => {
          setSelected((s) => (s?.id === id ? null : s))
          await refresh()
        })
        .catch(error)
    },
    [refresh, error],
  )

  return useMemo(
    () => ({ list, selected, select, importFile, importExample, remove }),
    [list, selected, select, importFile, importExample, remove],
  )
}
