import type { JSX } from 'react'
import type { RunDetail } from '../../../shared/api'
import { MiB } from '../../../shared/units'
import { formatBytes } from '../format'
import { doubledLimit } from '../rerun-limits'

interface Props {
  run: RunDetail
  onRerun: (limits: { timeoutS?: number; memoryMb?: number }) => void
}

/** MiB as people read them: whole above 10, one decimal below. */
function mib(bytes: number): string {
  const v = bytes / MiB
  return v >= 10 ? String(Math.round(v)) : String(Math.round(v * 10) / 10)
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}

/**
 * What a finished run used next to its limits: "peak 511 of 512 MiB" for a run stopped by the
 * memory limit, "ran 10.0 s of 10 s" for one stopped by the clock, and how close a finished run
 * came otherwise, with a one-click rerun at double the limit that was hit (see
 * docs/run-contract.md, 'Resource use').
 */
export function UsageLine({ run, onRerun }: Props): JSX.Element | null {
  if (run.status === 'queued' || run.status === 'running') return null
  const u = run.resourceUsage
  const parts: string[] = []
  if (run.status === 'timeout' && run.timing)
    parts.push(`ran ${seconds(run.timing.executionMs)} of ${run.limits.timeoutS} s`)
  if (u?.maxRssBytes != null) {
    // The limit counts what a warm container held before the run as well.
    const total = u.maxRssBytes + (u.warmBaselineBytes ?? 0)
    parts.push(`peak ${mib(total)} of ${run.limits.memoryMb} MiB`)
  } else if (u) parts.push('peak memory not measured here')
  if (u?.cpuTimeMs != null) parts.push(`CPU ${seconds(u.cpuTimeMs)}`)
  if (u?.peakPids != null) parts.push(`${u.peakPids} ${u.peakPids === 1 ? 'task' : 'tasks'}`)
  if (u?.outputBytes) parts.push(`${formatBytes(u.outputBytes)} in /output`)
  const rerun = doubledLimit(run)
  if (parts.length === 0 && !rerun) return null
  const baseline = u?.warmBaselineBytes
  return (
    <div className="usage-line" aria-label="Resource use">
      <span
        title={
          baseline
            ? `Includes ${mib(baseline)} MiB the warm container held before the run (its pre-imported modules)`
            : undefined
        }
      >
        {parts.join(' · ')}
      </span>
      {rerun && (
        <>
          <button
            type="button"
            disabled={rerun.blocked !== null}
            title={rerun.blocked ?? undefined}
            onClick={() => onRerun(rerun.limits)}
          >
            {rerun.label}
          </button>
          {rerun.blocked && <span className="muted">{rerun.blocked}</span>}
        </>
      )}
    </div>
  )
}
