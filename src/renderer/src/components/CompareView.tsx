import { useEffect, useRef, useState, type JSX, type ReactNode } from 'react'
import type { Pair, RunComparison } from '../../../shared/compare'
import { client } from '../api/client'
import { errorMessage, formatBytes, formatDuration } from '../format'
import { CompareArtifacts } from './CompareArtifacts'
import { InputFilesChanges } from './InputFiles'
import { JsonChangesView, TextDiffView } from './CompareDiffs'
import './compare.css'

interface Props {
  /** The run "before" and the run "after". */
  a: string
  b: string
  onClose: () => void
  onOpen: (id: string) => void
}

/** What differs, in words: the verdict at the top of the view. */
export function differences(c: RunComparison): string[] {
  const out: string[] = []
  if (!c.code.identical) out.push('code')
  if (!c.input.identical) out.push('input')
  if (c.inputFiles && !c.inputFiles.identical) out.push('input files')
  if (!c.stdout.identical) out.push('stdout')
  if (!c.stderr.identical) out.push('stderr')
  if (!c.output.identical) out.push('result')
  const files = c.artifacts.added.length + c.artifacts.removed.length + c.artifacts.changed.length
  if (files > 0) out.push(`${files} file${files === 1 ? '' : 's'}`)
  if (c.status.changed || c.exitCode.changed || c.errorType.changed) out.push('outcome')
  return out
}

type Format = (v: string | number) => string
type Row = [string, Pair<string | number | null>, Format]

function show(v: string | number | null, fmt: Format): string {
  return v === null ? '—' : fmt(v)
}

const num =
  (f: (n: number) => string): Format =>
  (v) =>
    f(Number(v))

function OutcomeTable({ c }: { c: RunComparison }): JSX.Element {
  const plain = (v: string | number): string => String(v)
  const rows: Row[] = [
    ['Status', c.status, plain],
    ['Exit code', c.exitCode, plain],
    ['Error', c.errorType, plain],
    ['Environment', c.environment, plain],
    ['Duration', c.durationMs, num(formatDuration)],
    ['Timeout', c.limits.timeoutS, num((s) => `${s} s`)],
    ['Memory limit', c.limits.memoryMb, num((m) => `${m} MiB`)],
    ['CPUs', c.limits.cpus, plain],
    ['Peak memory', c.resourceUsage.maxRssBytes, num(formatBytes)],
    ['CPU time', c.resourceUsage.cpuTimeMs, num(formatDuration)],
    ['Peak processes', c.resourceUsage.peakPids, plain],
    ['Output size', c.resourceUsage.outputBytes, num(formatBytes)],
  ]
  return (
    <table className="compare-table" aria-label="Outcome, limits and resource use">
      <thead>
        <tr>
          <th scope="col" />
          <th scope="col">Before</th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([name, p, fmt]) => (
          <tr key={name} className={p.changed ? 'row-changed' : undefined}>
            <th scope="row">{name}</th>
            <td>{show(p.before, fmt)}</td>
            <td>
              {show(p.after, fmt)}
              {p.changed ? <span className="visually-hidden"> (changed)</span> : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function Section(props: { title: string; same?: boolean; children: ReactNode }): JSX.Element {
  return (
    <section className="compare-section" aria-label={props.title}>
      <h3>
        {props.title}{' '}
        {props.same === undefined ? null : props.same ? (
          <span className="badge same">same</span>
        ) : (
          <span className="badge differs">differs</span>
        )}
      </h3>
      {props.children}
    </section>
  )
}

/** Two runs side by side: verdict, outcome, code, input, outputs, result and files. */
export function CompareView({ a, b, onClose, onOpen }: Props): JSX.Element {
  const [state, setState] = useState<{ c: RunComparison | null; error: string | null }>({
    c: null,
    error: null,
  })
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => {
    let live = true
    setState({ c: null, error: null })
    client.call('runs:compare', { id: a, with: b }).then(
      (c) => live && setState({ c, error: null }),
      (err: unknown) => live && setState({ c: null, error: errorMessage(err) }),
    )
    return () => {
      live = false
    }
  }, [a, b])
  useEffect(() => heading.current?.focus(), [a, b])

  const { c, error } = state
  const diffs = c ? differences(c) : []
  const ids = { before: a, after: b }
  return (
    <section className="results compare-view" aria-label="Comparison">
      <header className="compare-header">
        <h2 ref={heading} tabIndex={-1}>
          Comparing{' '}
          <button type="button" className="link" onClick={() => onOpen(a)}>
            <code>{a.slice(0, 8)}</code>
          </button>{' '}
          →{' '}
          <button type="button" className="link" onClick={() => onOpen(b)}>
            <code>{b.slice(0, 8)}</code>
          </button>
        </h2>
        <button type="button" onClick={onClose}>
          Close comparison
        </button>
      </header>
      <div className="tab-body">
        {error && <p className="error-text">{error}</p>}
        {!c && !error && <p className="muted">Comparing…</p>}
        {c && (
          <>
            <p
              className={`compare-verdict ${c.identical ? 'same' : 'differs'}`}
              role="status"
              data-testid="compare-verdict"
            >
              {c.identical
                ? 'Identical: same code, input, output, result and files.'
                : `Differs in ${diffs.join(', ')}.`}
            </p>
            <Section title="Outcome and resources">
              <OutcomeTable c={c} />
            </Section>
            <Section title="Code" same={c.code.identical}>
              <TextDiffView diff={c.code} label="Code" />
            </Section>
            <Section title="Input" same={c.input.identical}>
              <JsonChangesView diff={c.input} label="Input" />
            </Section>
            {c.inputFiles && (
              <Section title="Input files" same={c.inputFiles.identical}>
                <InputFilesChanges diff={c.inputFiles} />
              </Section>
            )}
            <Section title="Stdout" same={c.stdout.identical}>
              <TextDiffView diff={c.stdout} label="Stdout" />
            </Section>
            <Section title="Stderr" same={c.stderr.identical}>
              <TextDiffView diff={c.stderr} label="Stderr" />
            </Section>
            <Section title="Result (result.json)" same={c.output.identical}>
              <JsonChangesView diff={c.output} label="Result" />
            </Section>
            <Section title="Files" same={c.artifacts.identical}>
              <CompareArtifacts diff={c.artifacts} ids={ids} />
            </Section>
          </>
        )}
      </div>
    </section>
  )
}
