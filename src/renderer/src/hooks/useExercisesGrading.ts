import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { ExerciseDetail, SubmissionSummary } from '../../../shared/exercise'
import { client } from '../api/client'
import { exerciseEvent, type ExerciseEvent } from '../components/exercises/exercise-api'
import {
  applyEvent,
  isFinished,
  startView,
  viewOfDetail,
  type GradingView,
} from '../components/exercises/grading-state'
import { replacing, type Replacing } from '../components/exercises/replace-code'

const draftKey = (id: string): string => `tako.exercise.${id}.draft`
/** The code last checked or loaded from an attempt: what the draft holds when it has no changes. */
const savedKey = (id: string): string => `tako.exercise.${id}.saved`

function stored(key: string, fallback: string): string {
  try {
    return localStorage.getItem(key) ?? fallback
  } catch {
    return fallback
  }
}

export interface GradingState {
  code: string
  setCode: (code: string) => void
  /** The draft holds changes that are in no attempt (nor the starter, nor a loaded attempt). */
  unsaved: boolean
  /** Puts an attempt's code into the editor (the caller asked first when `unsaved`). */
  loadAttempt: (code: string) => void
  /** Back to the exercise's starter code (the caller asked first when `reset` is 'ask'). */
  resetCode: () => void
  /** What Reset to starter code does now: nothing, ask first (unchecked changes), or replace. */
  reset: Replacing
  /** The submission shown under the editor: the one being graded, or the last one checked. */
  view: GradingView | null
  grading: boolean
  check: () => void
  cancel: () => void
  attempts: SubmissionSummary[]
}

/**
 * One exercise's work: the code (a draft per exercise, kept in localStorage), Check (submit, then
 * the progress events fill the view in; the stored submission replaces it at the end), Cancel, and
 * the past attempts.
 */
export function useExercisesGrading(
  exercise: ExerciseDetail | null,
  report: (err: unknown) => void,
): GradingState {
  const [code, setCodeState] = useState('')
  const [saved, setSavedState] = useState('')
  const [view, setView] = useState<GradingView | null>(null)
  const [attempts, setAttempts] = useState<SubmissionSummary[]>([])
  const viewRef = useRef<GradingView | null>(null)
  // Events that came before submit's answer named their submission.
  const early = useRef<ExerciseEvent[]>([])
  const exerciseId = exercise?.id ?? null

  const show = useCallback((v: GradingView | null) => {
    viewRef.current = v
    setView(v)
  }, [])

  const loadAttempts = useCallback(
    (id: string) => {
      client.call('exercises:submissions', { exerciseId: id }).then(setAttempts, report)
    },
    [report],
  )

  useEffect(() => {
    show(null)
    setAttempts([])
    if (!exercise) return
    setCodeState(stored(draftKey(exercise.id), exercise.starter))
    setSavedState(stored(savedKey(exercise.id), exercise.starter))
    loadAttempts(exercise.id)
    // A new exercise (by id) starts from its own draft; a re-read of the same one keeps the code.
  }, [exerciseId])

  const finish = useCallback(
    (submissionId: string, exId: string) => {
      client.call('exercises:submission', { id: submissionId }).then((d) => {
        if (viewRef.current?.submissionId === submissionId) show(viewOfDetail(d))
      }, report)
      loadAttempts(exId)
    },
    [show, report, loadAttempts],
  )

  useEffect(
    () =>
      client.subscribe((raw) => {
        const e = exerciseEvent(raw)
        if (!e) return
        const current = viewRef.current
        if (!current || current.submissionId !== e.submissionId) {
          early.current = [...early.current.slice(-199), e]
          return
        }
        show(applyEvent(current, e))
        if (e.type === 'exercise.done') finish(e.submissionId, e.exerciseId)
      }),
    [show, finish],
  )

  const setCode = useCallback(
    (next: string) => {
      setCodeState(next)
      if (exerciseId) localStorage.setItem(draftKey(exerciseId), next)
    },
    [exerciseId],
  )

  const markSaved = useCallback(
    (next: string) => {
      setSavedState(next)
      if (exerciseId) localStorage.setItem(savedKey(exerciseId), next)
    },
    [exerciseId],
  )

  const loadAttempt = useCallback(
    (next: string) => {
      setCode(next)
      markSaved(next)
    },
    [setCode, markSaved],
  )

  const grading = view !== null && !isFinished(view.status)

  const check = useCallback(() => {
    if (!exercise || grading) return
    early.current = []
    client
      .call('exercises:submit', { id: exercise.id, code })
      .then((s) => {
        markSaved(code)
        let v = startView(s, exercise.tests.length)
        const mine = early.current.filter((e) => e.submissionId === s.id)
        early.current = []
        for (const e of mine) v = applyEvent(v, e)
        show(v)
        loadAttempts(exercise.id)
        if (isFinished(v.status)) finish(s.id, exercise.id)
      })
      .catch(report)
  }, [exercise, grading, code, show, loadAttempts, finish, report, markSaved])

  const cancel = useCallback(() => {
    const id = viewRef.current?.submissionId
    if (id) client.call('exercises:cancel', { id }).catch(report)
  }, [report])

  const resetCode = useCallback(() => {
    if (exercise) setCode(exercise.starter)
  }, [exercise, setCode])

  const unsaved = code !== saved
  const reset = exercise ? replacing(code, saved, exercise.starter) : 'nothing'
  return useMemo(
    () => ({
      code,
      setCode,
      unsaved,
      loadAttempt,
      resetCode,
      reset,
      view,
      grading,
      check,
      cancel,
      attempts,
    }),
    [code, setCode, unsaved, loadAttempt, resetCode, reset, view, grading, check, cancel, attempts],
  )
}
