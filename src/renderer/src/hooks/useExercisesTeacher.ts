import { useCallback, useEffect, useMemo, useState } from 'react'
import type { RunDetail } from '../../../shared/api'
import type { TestDraft } from '../../../shared/exercise'
import { client } from '../api/client'
import {
  newForm,
  slugify,
  testFromRun,
  toPackDraft,
  type PackForm,
} from '../components/exercises/pack-draft'
import { exportPack } from '../components/exercises/pack-files'
import type { Notices } from './useNotices'

/** How many recent runs are looked through for runs of the script. */
const RECENT_RUNS = 200
const MAX_CHOICES = 30

export interface TeacherState {
  form: PackForm
  update: (change: Partial<PackForm>) => void
  /** The script's successful runs, newest first (null while they load). */
  runs: RunDetail[] | null
  runsById: ReadonlyMap<string, RunDetail>
  addTest: (run: RunDetail) => void
  updateTest: (index: number, change: Partial<TestDraft>) => void
  removeTest: (index: number) => void
  exporting: boolean
  exportNow: () => void
}

/**
 * Teacher mode: a pack made from the current script (the solution, and the starter until the
 * teacher edits it) and tests taken from its recorded runs.
 */
export function useExercisesTeacher(
  script: { code: string; environment: string },
  notices: Notices,
  /** Runs are looked up while teacher mode shows (again each time it shows: new runs appear). */
  active: boolean,
): TeacherState {
  const [form, setForm] = useState<PackForm>(() => newForm(script))
  const [runs, setRuns] = useState<RunDetail[] | null>(null)
  const [exporting, setExporting] = useState(false)
  const { code } = script
  const { error, info } = notices

  useEffect(() => {
    if (!active) return
    let live = true
    const head = code.slice(0, 200)
    client
      .call('history:list', { limit: RECENT_RUNS, offset: 0, status: 'succeeded' })
      .then(async (page) => {
        const candidates = page.items.filter((r) => r.codePreview === head).slice(0, MAX_CHOICES)
        const details = await Promise.all(
          candidates.map((r) => client.call('runs:get', { id: r.id })),
        )
        if (live) setRuns(details.filter((d) => d.code === code))
      })
      .catch((err: unknown) => {
        if (live) setRuns([])
        error(err)
      })
    return () => {
      live = false
    }
  }, [code, error, active])

  const update = useCallback((change: Partial<PackForm>) => {
    setForm((f) => {
      const next = { ...f, ...change }
      if (change.id !== undefined) next.idEdited = true
      else if (change.title !== undefined && !f.idEdited) next.id = slugify(change.title)
      return next
    })
  }, [])

  const addTest = useCallback((run: RunDetail) => {
    setForm((f) => ({ ...f, tests: [...f.tests, testFromRun(run, f.tests)] }))
  }, [])
  const updateTest = useCallback((index: number, change: Partial<TestDraft>) => {
    setForm((f) => ({
      ...f,
      tests: f.tests.map((t, i) => (i === index ? { ...t, ...change } : t)),
    }))
  }, [])
  const removeTest = useCallback((index: number) => {
    setForm((f) => ({ ...f, tests: f.tests.filter((_, i) => i !== index) }))
  }, [])

  const exportNow = useCallback(() => {
    setExporting(true)
    exportPack(toPackDraft(form))
      .then((text) => text && info(text), error)
      .finally(() => setExporting(false))
  }, [form, info, error])

  const runsById = useMemo(() => new Map((runs ?? []).map((r) => [r.id, r])), [runs])

  return useMemo(
    () => ({
      form,
      update,
      runs,
      runsById,
      addTest,
      updateTest,
      removeTest,
      exporting,
      exportNow,
    }),
    [form, update, runs, runsById, addTest, updateTest, removeTest, exporting, exportNow],
  )
}
