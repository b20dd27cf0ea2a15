import { useCallback, useEffect, useMemo, useState } from 'react'
import type { Args } from '../../../shared/api'
import type { RuntimeChoice } from '../../../shared/runtime'
import { EXAMPLES } from '../examples'
import { parseJsonInput } from '../format'
import { stdinArgs, type StdinArgs } from '../run-input'

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
  }
  try {
    const saved = JSON.parse(localStorage.getItem(DRAFT_KEY) ?? 'null') as Partial<Draft> | null
    return saved ? { ...fallback, ...saved } : fallback
  } catch {
    // A draft that is not JSON (written by hand or by an old version) starts over from the example.
    return fallback
  }
}

export interface DraftState {
  draft: Draft
  update: (change: Partial<Draft>) => void
  /** The parsed input when valid, else why not. */
  input: { value: Record<string, unknown>; error: null } | { value: null; error: string }
  /** The limit fields that are filled in, as numbers (empty means the environment's default). */
  limits: () => LimitsArg
  /** How the run gets its standard input: the Input lines when there are any, else live input. */
  stdin: () => StdinArgs
}

export function useDraft(): DraftState {
  const [draft, setDraft] = useState<Draft>(loadDraft)
  useEffect(() => {
    localStorage.setItem(DRAFT_KEY, JSON.stringify(draft))
  }, [draft])
  const update = useCallback((change: Partial<Draft>) => setDraft((d) => ({ ...d, ...change })), [])
  const input = useMemo((): DraftState['input'] => {
    const parsed = parseJsonInput(draft.input)
    if (parsed.error !== null) return { value: null, error: parsed.error }
    const v = parsed.value
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      return { value: null, error: 'Input must be a JSON object, e.g. {"name": "Alice"}' }
    return { value: v as Record<string, unknown>, error: null }
  }, [draft.input])
  const limits = useCallback(() => {
    const n = (s: string): number | undefined => (s.trim() === '' ? undefined : Number(s))
    const l = { timeoutS: n(draft.timeoutS), memoryMb: n(draft.memoryMb), cpus: n(draft.cpus) }
    return Object.fromEntries(
      Object.entries(l).filter(([, v]) => v !== undefined && !Number.isNaN(v)),
    )
  }, [draft.timeoutS, draft.memoryMb, draft.cpus])
  const stdin = useCallback(() => stdinArgs(draft.stdin), [draft.stdin])
  return { draft, update, input, limits, stdin }
}
