// Two runs side by side (see docs/comparing-runs.md): built from the stored records and files, the
// same for the app (`runs:compare`) and the API (`GET /executions/{id}/compare?with=…`).
import type { InputFilesDiff, Pair, RunComparison } from '../../shared/compare'
import { inRequestUnits } from '../../shared/limit-bounds'
import type { RunRecord } from '../../shared/record'
import { INPUT_FILE } from '../engine/run-folder'
import { isValidRunId, STDERR_FILE, STDOUT_FILE, type RunStore } from '../store/run-store'
import { artifactsDiff } from './compare-artifacts'
import { jsonDiff } from './compare-json'
import { textDiff } from './compare-text'
import { NotFound } from './errors'

function pair<T>(before: T, after: T): Pair<T> {
  return { before, after, changed: before !== after }
}

function recordOf(store: RunStore, id: string): RunRecord {
  const rec = isValidRunId(id) ? store.get(id) : undefined
  if (!rec) throw new NotFound(`Run not found: ${id}`)
  return rec
}

/** Input as stored (`input.json`); a run without one had `{}`. */
function inputText(store: RunStore, id: string): string {
  return store.readText(id, INPUT_FILE) || '{}'
}

/** Input files added, removed or changed (by sha256) from run `a` to run `b`. */
export function inputFilesDiff(a: RunRecord, b: RunRecord): InputFilesDiff {
  const before = new Map((a.inputFiles ?? []).map((f) => [f.name, f]))
  const after = new Map((b.inputFiles ?? []).map((f) => [f.name, f]))
  const added = [...after.values()].filter((f) => !before.has(f.name))
  const removed = [...before.values()].filter((f) => !after.has(f.name))
  const changed = [...after.values()].flatMap((f) => {
    const was = before.get(f.name)
    return was && was.sha256 !== f.sha256 ? [{ name: f.name, before: was, after: f }] : []
  })
  const identical = added.length + removed.length + changed.length === 0
  return { identical, added, removed, changed }
}

/** Compares run `id` ("before") with run `withId` ("after"); NotFound when either is unknown. */
export function compareRuns(store: RunStore, id: string, withId: string): RunComparison {
  const a = recordOf(store, id)
  const b = recordOf(store, withId)
  const code = textDiff(store.readCode(a.id), store.readCode(b.id))
  const input = jsonDiff(inputText(store, a.id), inputText(store, b.id))
  const stdout = textDiff(store.readText(a.id, STDOUT_FILE), store.readText(b.id, STDOUT_FILE))
  const stderr = textDiff(store.readText(a.id, STDERR_FILE), store.readText(b.id, STDERR_FILE))
  const output = jsonDiff(store.readOutput(a.id), store.readOutput(b.id))
  const artifacts = artifactsDiff(store, a, b)
  const inputFiles = inputFilesDiff(a, b)
  const status = pair<string>(a.status, b.status)
  const exitCode = pair(a.exitCode, b.exitCode)
  const errorType = pair<string | null>(a.error?.type ?? null, b.error?.type ?? null)
  const errorMessage = pair(a.error?.message ?? null, b.error?.message ?? null)
  const la = inRequestUnits(a.limits)
  const lb = inRequestUnits(b.limits)
  const use = (r: RunRecord): NonNullable<RunRecord['resourceUsage']> =>
    r.resourceUsage ?? { maxRssBytes: null, cpuTimeMs: null, peakPids: null, outputBytes: null }
  const ua = use(a)
  const ub = use(b)
  return {
    id: a.id,
    with: b.id,
    identical:
      code.identical &&
      input.identical &&
      inputFiles.identical &&
      stdout.identical &&
      stderr.identical &&
      output.identical &&
      artifacts.identical &&
      !status.changed &&
      !exitCode.changed &&
      !errorType.changed,
    code,
    input,
    stdout,
    stderr,
    output,
    artifacts,
    inputFiles,
    status,
    exitCode,
    errorType,
    errorMessage,
    environment: pair(a.environment, b.environment),
    durationMs: pair(a.durationMs, b.durationMs),
    limits: {
      timeoutS: pair(la.timeoutS, lb.timeoutS),
      memoryMb: pair(la.memoryMb, lb.memoryMb),
      cpus: pair(la.cpus, lb.cpus),
    },
    resourceUsage: {
      maxRssBytes: pair(ua.maxRssBytes, ub.maxRssBytes),
      cpuTimeMs: pair(ua.cpuTimeMs, ub.cpuTimeMs),
      peakPids: pair(ua.peakPids, ub.peakPids),
      outputBytes: pair(ua.outputBytes, ub.outputBytes),
    },
  }
}
