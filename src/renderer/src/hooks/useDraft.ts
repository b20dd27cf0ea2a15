import { useCallback, useEffect, useMemo, useState } from 'react'
import type { Args, RunDetail } from '../../../shared/api'
import type { RuntimeChoice } from '../../../shared/runtime'
import { EXAMPLES } from '../examples'
import { parseJsonInput } from '../format'
import { stdinArgs, type StdinArgs } from '../run-input'
import { draftFilesProblem, type DraftFile } from '../draft-files'

const DRAFT_KEY = 'tako.draft.v1'
/**
 * The draft's input files, kept apart from the rest: written when the files change, not on every
 * key typed in an editor (a file of a few MiB written to localStorage per key made typing lag).
 */
const FILES_KEY = 'tako.draft.files.v1'

/** The limits a run is started with (each one optional). */
export type LimitsArg = NonNullable<Args<'runs:start'>['limits']>

/** What the editors and the limit fields hold; kept in localStorage between visits. */
export interface Draft {
  code: string
  input: string
  environment: string
  timeoutS: string
  memoryMb: string
  cpus: string
  /** The sandbox runtime; empty means the server's default. */
  runtime: '' | RuntimeChoice
  /** "Input lines": the script's standard input for a batch run (empty: the run is interactive). */
  stdin: string
  /** Files mounted read-only at /input/<name> (see docs/run-contract.md, 'Input files'). */
  inputFiles: DraftFile[]
  /**
   * The run loaded into the editor, with the input and input lines it had: while those stay as
   * they were, running the draft records a fork of that run (new code, same input).
   */
  forkOf?: { id: string; input: string; stdin: string; files: string } | null
  /** The code, input and input lines as last loaded or run (see `contentKey`); null: unknown. */
  baseline?: string | null
}

/** What "unsaved" compares: the draft's code, input, input lines and input files. */
function contentKey(d: Pick<Draft, 'code' | 'input' | 'stdin' | 'inputFiles'>): string {
  return JSON.stringify([d.code, d.input, d.stdin, filesKey(d.inputFiles)])
}

/** The files as far as a fork goes: names, sizes and which run each comes from. */
function filesKey(files: readonly DraftFile[] | undefined): string {
  return JSON.stringify(
    (files ?? []).map((f) => [f.name, f.size, 'fromRun' in f ? f.fromRun : null]),
  )
}

function loadDraft(): Draft {
  const fallback: Draft = {
    code: EXAMPLES[0].code,
    input: EXAMPLES[0].input,
    environment: 'default',
    timeoutS: '',
    memoryMb: '',
    cpus: '',
    runtime: '',
    stdin: '',
    inputFiles: [],
  }
  fallback.baseline = contentKey(fallback)
  try {
    const saved = JSON.parse(localStorage.getItem(DRAFT_KEY) ?? 'null') as Partial<Draft> | null
    if (!saved) return fallback
    // An older version kept the files inside the draft itself; they are used when no files were
    // saved apart.
    const files = JSON.parse(localStorage.getItem(FILES_KEY) ?? 'null') as unknown
    const draft = { ...fallback, ...saved, ...(Array.isArray(files) ? { inputFiles: files } : {}) }
    return Array.isArray(draft.inputFiles) ? draft : { ...draft, inputFiles: [] }
  } catch {
    // A draft that is not JSON (written by hand or by an old version) starts over from the example.
    return fallback
  }
}

export interface DraftState {
  draft: Draft
  update: (change: Partial<Draft>) => void
  /** The parsed input (any JSON value, null included) when valid, else why not. */
  input: { value: unknown; error: null } | { value: undefined; error: string }
  /** Why the input files cannot be sent, or null. */
  filesError: string | null
  /** The limit fields that are filled in, as numbers (empty means the environment's default). */
  limits: () => LimitsArg
  /** How the run gets its standard input: the Input lines when there are any, else live input. */
  stdin: () => StdinArgs
  /** The draft holds changes that are in no run and were not loaded from one. */
  dirty: boolean
  /** Replaces the draft with a past run's code, input, input lines and environment (a fork base). */
  loadRun: (run: RunDetail) => void
  /** The draft as it is now was started as a run: nothing unsaved. */
  markSaved: () => void
  /** The run to fork when the draft is run, if its input and input lines are still that run's. */
  forkBase: () => string | null
}

export function useDraft(): DraftState {
  const [draft, setDraft] = useState<Draft>(loadDraft)
  useEffect(() => {
    try {
      // Without the files (JSON leaves an undefined key out): they have their own key below.
      localStorage.setItem(DRAFT_KEY, JSON.stringify({ ...draft, inputFiles: undefined }))
    } catch {
      // Nothing more can be kept; the draft in memory is whole.
    }
  }, [draft])
  const files = draft.inputFiles
  useEffect(() => {
    try {
      localStorage.setItem(FILES_KEY, JSON.stringify(files))
    } catch {
      // Over the storage quota (large input files): kept without the files' bytes; files of
      // earlier runs are only references and stay.
      try {
        localStorage.setItem(FILES_KEY, JSON.stringify(files.filter((f) => !('data' in f))))
      } catch {
        // Nothing more can be kept; the draft in memory is whole.
      }
    }
  }, [files])
  const update = useCallback((change: Partial<Draft>) => setDraft((d) => ({ ...d, ...change })), [])
  const input = useMemo((): DraftState['input'] => {
    // Any JSON value: a list of numbers is what a student pastes first.
    const parsed = parseJsonInput(draft.input)
    if (parsed.error !== null) return { value: undefined, error: parsed.error }
    return { value: parsed.value, error: null }
  }, [draft.input])
  const filesError = useMemo(() => draftFilesProblem(draft.inputFiles), [draft.inputFiles])
  const limits = useCallback(() => {
    const n = (s: string): number | undefined => (s.trim() === '' ? undefined : Number(s))
    const l = { timeoutS: n(draft.timeoutS), memoryMb: n(draft.memoryMb), cpus: n(draft.cpus) }
    return Object.fromEntries(
      Object.entries(l).filter(([, v]) => v !== undefined && !Number.isNaN(v)),
    )
  }, [draft.timeoutS, draft.memoryMb, draft.cpus])
  const stdin = useCallback(() => stdinArgs(draft.stdin), [draft.stdin])
  const dirty = draft.baseline !== contentKey(draft)
  const loadRun = useCallback((run: RunDetail) => {
    const loaded = {
      code: run.code,
      input: JSON.stringify(run.input ?? {}, null, 2),
      stdin: run.stdin ?? '',
      // The run's own files come along, by reference to that run.
      inputFiles: run.inputFiles.map((f): DraftFile => ({
        name: f.name,
        size: f.size,
        fromRun: run.id,
        path: f.name,
        kind: 'input',
      })),
    }
    setDraft((d) => ({
      ...d,
      ...loaded,
      environment: run.environment,
      forkOf: {
        id: run.id,
        input: loaded.input,
        stdin: loaded.stdin,
        files: filesKey(loaded.inputFiles),
      },
      baseline: contentKey(loaded),
    }))
  }, [])
  const markSaved = useCallback(() => setDraft((d) => ({ ...d, baseline: contentKey(d) })), [])
  const forkBase = useCallback(() => {
    const f = draft.forkOf
    return f &&
      f.input === draft.input &&
      f.stdin === draft.stdin &&
      f.files === filesKey(draft.inputFiles)
      ? f.id
      : null
  }, [draft.forkOf, draft.input, draft.stdin, draft.inputFiles])
  return { draft, update, input, filesError, limits, stdin, dirty, loadRun, markSaved, forkBase }
}
