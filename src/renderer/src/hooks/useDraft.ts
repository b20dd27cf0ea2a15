import { useCallback, useEffect, useMemo, useState } from 'react'
import type { Args } from '../../../shared/api'
import type { RuntimeChoice } from '../../../shared/runtime'
import { EXAMPLES } from '../examples'
import { parseJsonInput } from '../format'
import { stdinArgs, type StdinArgs } from '../run-input'
import { draftFilesProblem, type DraftFile } from '../draft-files'

const DRAFT_KEY = 'tako.draft.v1'

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
  try {
    const saved = JSON.parse(localStorage.getItem(DRAFT_KEY) ?? 'null') as Partial<Draft> | null
    if (!saved) return fallback
    const draft = { ...fallback, ...saved }
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
}

export function useDraft(): DraftState {
  const [draft, setDraft] = useState<Draft>(loadDraft)
  useEffect(() => {
    try {
      localStorage.setItem(DRAFT_KEY, JSON.stringify(draft))
    } catch {
      // Over the storage quota (large input files): kept without the files' bytes; files of
      // earlier runs are only references and stay.
      const refs = draft.inputFiles.filter((f) => !('data' in f))
      try {
        localStorage.setItem(DRAFT_KEY, JSON.stringify({ ...draft, inputFiles: refs }))
      } catch {
        // Nothing more can be kept; the draft in memory is whole.
      }
    }
  }, [draft])
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
  return { draft, update, input, filesError, limits, stdin }
}
