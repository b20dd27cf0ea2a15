import { useCallback, useEffect, useMemo, useRef, useState, type JSX } from 'react'
import type {
  BuildProgressEvent,
  DockerStatus,
  EnvironmentInfo,
  RunDetail,
  RunSummary,
} from '../../shared/api'
import type { RunStatus } from '../../shared/run'
import { isTerminal } from '../../shared/run'
import { client } from './api/client'
import { ArtifactBrowser } from './components/ArtifactBrowser'
import { CodeEditor } from './components/CodeEditor'
import { HistoryList } from './components/HistoryList'
import { JsonTree } from './components/JsonTree'
import { StatusCard } from './components/StatusCard'
import { EXAMPLES } from './examples'
import { formatBytes, formatDuration, parseJsonInput, stripAnsi } from './format'

const DRAFT_KEY = 'tako.draft.v1'
const MAX_LIVE_CHARS = 2_000_000

interface Draft {
  code: string
  input: string
  environment: string
  timeoutS: string
  memoryMb: string
  cpus: string
}

function loadDraft(): Draft {
  const fallback: Draft = {
    code: EXAMPLES[0].code,
    input: EXAMPLES[0].input,
    environment: 'default',
    timeoutS: '',
    memoryMb: '',
    cpus: '',
  }
  try {
    const saved = JSON.parse(localStorage.getItem(DRAFT_KEY) ?? 'null') as Partial<Draft> | null
    return saved ? { ...fallback, ...saved } : fallback
  } catch {
    return fallback
  }
}

interface LiveRun {
  id: string
  status: RunStatus
  chunks: { stream: 'stdout' | 'stderr'; text: string }[]
  chars: number
  clipped: boolean
}

type Tab = 'output' | 'result' | 'artifacts'

/** The limits picker: empty means the environment's default, shown as the placeholder. */
const LIMIT_FIELDS = [
  {
    key: 'timeoutS',
    title: 'Timeout (s)',
    label: 'Timeout in seconds',
    fallback: 30,
    decimal: false,
  },
  { key: 'memoryMb', title: 'Memory (MiB)', label: 'Memory in MiB', fallback: 512, decimal: false },
  { key: 'cpus', title: 'CPUs', label: 'CPUs', fallback: 1, decimal: true },
] as const

function bufferEvent(
  pending: Map<string, LiveRun>,
  e: { runId: string } & (
    | { type: 'run.output'; stream: 'stdout' | 'stderr'; text: string }
    | { type: 'run.status'; status: RunStatus }
  ),
): void {
  const entry = pending.get(e.runId) ?? {
    id: e.runId,
    status: 'queued' as RunStatus,
    chunks: [],
    chars: 0,
    clipped: false,
  }
  if (e.type === 'run.status') entry.status = e.status
  else if (entry.chars < MAX_LIVE_CHARS) {
    entry.chunks.push({ stream: e.stream, text: e.text })
    entry.chars += e.text.length
  }
  pending.delete(e.runId)
  pending.set(e.runId, entry)
  // Only the most recent few runs are kept; others belong to API clients.
  while (pending.size > 16) pending.delete(pending.keys().next().value!)
}

export function App(): JSX.Element {
  const [draft, setDraft] = useState<Draft>(loadDraft)
  const [live, setLive] = useState<LiveRun | null>(null)
  const [detail, setDetail] = useState<RunDetail | null>(null)
  const [tab, setTab] = useState<Tab>('output')
  const [docker, setDocker] = useState<DockerStatus | null>(null)
  const [environments, setEnvironments] = useState<EnvironmentInfo[]>([])
  const [builds, setBuilds] = useState<Record<string, BuildProgressEvent>>({})
  const [history, setHistory] = useState<{ items: RunSummary[]; total: number }>({
    items: [],
    total: 0,
  })
  const [filter, setFilter] = useState({ q: '', status: '', environment: '' })
  const [notice, setNotice] = useState<string | null>(null)
  const [confirmDelete, setConfirmDelete] = useState<string | null>(null)
  const liveRef = useRef<LiveRun | null>(null)
  liveRef.current = live
  // Events can arrive before the call that started the run returns: keep them for a moment.
  const pendingRef = useRef(new Map<string, LiveRun>())

  const parsedInput = useMemo(() => parseJsonInput(draft.input), [draft.input])
  const inputError =
    parsedInput.error ??
    (parsedInput.value === null ||
    typeof parsedInput.value !== 'object' ||
    Array.isArray(parsedInput.value)
      ? 'Input must be a JSON object, e.g. {"name": "Alice"}'
      : null)
  const running = live !== null && !isTerminal(live.status)
  const env = environments.find((e) => e.name === draft.environment)

  useEffect(() => {
    localStorage.setItem(DRAFT_KEY, JSON.stringify(draft))
  }, [draft])

  const historySeq = useRef(0)
  const refreshHistory = useCallback(async () => {
    // The first page is shown at once; the rest follows. A newer refresh supersedes an older one.
    const seq = ++historySeq.current
    const items: RunSummary[] = []
    for (let offset = 0; offset < 100_000; offset += 1000) {
      const page = await client.call('history:list', {
        limit: 1000,
        offset,
        ...(filter.q ? { q: filter.q } : {}),
        ...(filter.status ? { status: filter.status as RunStatus } : {}),
        ...(filter.environment ? { environment: filter.environment } : {}),
      })
      if (seq !== historySeq.current) return
      items.push(...page.items)
      setHistory({ items: [...items], total: page.total })
      if (!page.hasMore) break
    }
  }, [filter])

  const refreshEnvironments = useCallback(async () => {
    setEnvironments(await client.call('environments:list', {}))
  }, [])

  const openRun = useCallback(async (id: string) => {
    try {
      const d = await client.call('runs:get', { id })
      setDetail(d)
      if (!liveRef.current || liveRef.current.id !== id) {
        setLive({
          id,
          status: d.status,
          chunks: [
            { stream: 'stdout', text: d.stdout },
            { stream: 'stderr', text: d.stderr },
          ],
          chars: d.stdout.length + d.stderr.length,
          clipped: false,
        })
      }
    } catch (err) {
      setNotice((err as Error).message)
    }
  }, [])

  // Initial load and the push channel.
  useEffect(() => {
    void client.call('docker:status', {}).then(setDocker, () => undefined)
    void refreshEnvironments().catch(() => undefined)
    let historyTimer: ReturnType<typeof setTimeout> | undefined
    const off = client.subscribe((e) => {
      switch (e.type) {
        case 'docker.status':
          setDocker(e.status)
          if (e.status.available) void refreshEnvironments().catch(() => undefined)
          break
        case 'env.build':
          setBuilds((b) => ({ ...b, [e.progress.environment]: e.progress }))
          if (e.progress.state !== 'building') void refreshEnvironments().catch(() => undefined)
          break
        case 'history.changed':
          clearTimeout(historyTimer)
          historyTimer = setTimeout(() => void refreshHistory().catch(() => undefined), 150)
          break
        case 'run.output':
          if (liveRef.current?.id !== e.runId) bufferEvent(pendingRef.current, e)
          setLive((l) => {
            if (!l || l.id !== e.runId) return l
            if (l.chars > MAX_LIVE_CHARS) return l.clipped ? l : { ...l, clipped: true }
            return {
              ...l,
              chunks: [...l.chunks, { stream: e.stream, text: e.text }],
              chars: l.chars + e.text.length,
            }
          })
          break
        case 'run.status':
          if (liveRef.current?.id !== e.runId) bufferEvent(pendingRef.current, e)
          setLive((l) => (l && l.id === e.runId ? { ...l, status: e.status } : l))
          // The history row follows at once; the debounced refresh brings the rest.
          setHistory((h) =>
            h.items.some((r) => r.id === e.runId)
              ? {
                  ...h,
                  items: h.items.map((r) => (r.id === e.runId ? { ...r, status: e.status } : r)),
                }
              : h,
          )
          if (isTerminal(e.status) && liveRef.current?.id === e.runId) {
            void client.call('runs:get', { id: e.runId }).then(setDetail, () => undefined)
          }
          break
      }
    })
    return () => {
      clearTimeout(historyTimer)
      off()
    }
  }, [refreshEnvironments, refreshHistory])

  useEffect(() => {
    void refreshHistory().catch(() => undefined)
  }, [refreshHistory])

  const limits = useCallback(() => {
    const n = (s: string): number | undefined => (s.trim() === '' ? undefined : Number(s))
    const l = { timeoutS: n(draft.timeoutS), memoryMb: n(draft.memoryMb), cpus: n(draft.cpus) }
    return Object.fromEntries(
      Object.entries(l).filter(([, v]) => v !== undefined && !Number.isNaN(v)),
    )
  }, [draft])

  /** Shows a run that just started, with whatever of its events arrived before the call returned. */
  const startLive = useCallback((id: string, status: RunStatus) => {
    const early = pendingRef.current.get(id)
    pendingRef.current.delete(id)
    const next: LiveRun = early ?? { id, status, chunks: [], chars: 0, clipped: false }
    liveRef.current = next
    setDetail(null)
    setTab('output')
    setLive(next)
    if (isTerminal(next.status)) {
      void client.call('runs:get', { id }).then(setDetail, () => undefined)
    }
  }, [])

  const run = useCallback(async () => {
    if (running || inputError) return
    setNotice(null)
    try {
      const summary = await client.call('runs:start', {
        code: draft.code,
        input: parsedInput.value as Record<string, unknown>,
        environment: draft.environment,
        limits: limits(),
      })
      startLive(summary.id, summary.status)
    } catch (err) {
      setNotice((err as Error).message)
    }
  }, [running, inputError, draft, parsedInput, limits, startLive])

  const stop = useCallback(async () => {
    if (live && running) await client.call('runs:cancel', { id: live.id }).catch(() => undefined)
  }, [live, running])

  const rerun = useCallback(
    async (id: string, overrides: { timeoutS?: number; memoryMb?: number } = {}) => {
      try {
        const summary = await client.call('runs:rerun', { id, limits: overrides })
        setDetail(null)
        setTab('output')
        setLive({ id: summary.id, status: summary.status, chunks: [], chars: 0, clipped: false })
      } catch (err) {
        setNotice((err as Error).message)
      }
    },
    [],
  )

  const fork = useCallback(async (id: string) => {
    const d = await client.call('runs:get', { id })
    setDraft((old) => ({
      ...old,
      code: d.code,
      input: JSON.stringify(d.input ?? {}, null, 2),
      environment: d.environment,
    }))
    setNotice(`Forked run ${id.slice(0, 8)} into the editor`)
  }, [])

  const build = useCallback(async (name: string) => {
    try {
      await client.call('environments:build', { name })
    } catch (err) {
      setNotice((err as Error).message)
    }
  }, [])

  // Global shortcuts: Ctrl/Cmd+Enter runs, Esc stops.
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      // An editor that handled the key (its own Ctrl+Enter binding) has already run it.
      if (e.defaultPrevented) return
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault()
        void run()
      } else if (e.key === 'Escape' && running) {
        e.preventDefault()
        void stop()
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [run, stop, running])

  const buildState = builds[draft.environment]
  const envMissing =
    env && (env.status === 'missing' || env.status === 'outdated' || env.status === 'building')
  const shownDetail = detail && live && detail.id === live.id ? detail : null

  return (
    <div className="app">
      <header className="topbar">
        <h1>Tako VM</h1>
        <label className="field">
          <span>Example</span>
          <select
            aria-label="Open an example"
            value=""
            onChange={(e) => {
              const ex = EXAMPLES.find((x) => x.name === e.target.value)
              if (ex)
                setDraft((d) => ({
                  ...d,
                  code: ex.code,
                  input: ex.input,
                  environment: ex.environment,
                }))
            }}
          >
            <option value="">Examples…</option>
            {EXAMPLES.map((x) => (
              <option key={x.name} value={x.name}>
                {x.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Environment</span>
          <select
            aria-label="Environment"
            value={draft.environment}
            onChange={(e) => setDraft((d) => ({ ...d, environment: e.target.value }))}
          >
            {(environments.length
              ? environments
              : [{ name: draft.environment, status: 'unknown' } as EnvironmentInfo]
            ).map((e) => (
              <option key={e.name} value={e.name}>
                {e.name}
                {e.status !== 'ready' ? ` (${e.status})` : ''}
              </option>
            ))}
          </select>
        </label>
        {LIMIT_FIELDS.map((f) => (
          <label key={f.key} className="field small">
            <span>{f.title}</span>
            <input
              aria-label={f.label}
              inputMode={f.decimal ? 'decimal' : 'numeric'}
              placeholder={String(env?.defaults[f.key] ?? f.fallback)}
              value={draft[f.key]}
              onChange={(e) =>
                setDraft((d) => ({
                  ...d,
                  [f.key]: e.target.value.replace(f.decimal ? /[^\d.]/g : /[^\d]/g, ''),
                }))
              }
            />
          </label>
        ))}
        <div className="run-buttons">
          {running ? (
            <button type="button" className="stop" onClick={() => void stop()} title="Stop (Esc)">
              ■ Stop
            </button>
          ) : (
            <button
              type="button"
              className="primary"
              onClick={() => void run()}
              disabled={!!inputError || docker?.available === false}
              title="Run (Ctrl+Enter)"
            >
              ▶ Run
            </button>
          )}
        </div>
        <span
          className={`docker-pill ${docker?.available ? 'ok' : docker ? 'down' : ''}`}
          role="status"
          aria-label="Docker status"
          title={docker?.error ?? ''}
        >
          {docker === null
            ? 'Docker…'
            : docker.available
              ? `Docker ${docker.version ?? ''}`
              : 'Docker unreachable'}
        </span>
      </header>

      {docker && !docker.available && (
        <div className="banner error" role="alert">
          <strong>Docker is not reachable.</strong> {docker.error} Start Docker Desktop (or{' '}
          <code>sudo systemctl start docker</code> on Linux); this page reconnects by itself.
        </div>
      )}
      {docker?.available && envMissing && (
        <div className="banner warn" role="alert" aria-label="Environment status">
          {env.status === 'building' || buildState?.state === 'building' ? (
            <>
              <span>
                Building <strong>{env.name}</strong>: step {buildState?.step ?? 0} of{' '}
                {buildState?.totalSteps || '?'}
              </span>
              <progress
                aria-label={`Build progress of ${env.name}`}
                max={buildState?.totalSteps || 1}
                value={buildState?.step ?? 0}
              />
              <code className="build-line">{buildState?.line}</code>
              <button
                type="button"
                onClick={() => void client.call('environments:cancelBuild', { name: env.name })}
              >
                Cancel
              </button>
            </>
          ) : (
            <>
              <span>
                The <strong>{env.name}</strong> environment ({env.description}) is{' '}
                {env.status === 'outdated' ? 'out of date' : 'not built yet'}.
                {buildState?.state === 'failed'
                  ? ` The last build failed: ${buildState.error ?? ''}`
                  : ''}
              </span>
              <button type="button" className="primary" onClick={() => void build(env.name)}>
                Build {env.name}
              </button>
            </>
          )}
        </div>
      )}
      {notice && (
        <div className="banner info" role="status">
          {notice}
          <button
            type="button"
            className="link"
            onClick={() => setNotice(null)}
            aria-label="Dismiss"
          >
            ✕
          </button>
        </div>
      )}

      <main className="workspace">
        <section className="editors" aria-label="Script and input">
          <div className="pane code-pane">
            <div className="pane-title">
              <span>main.py</span>
              <span className="muted">Ctrl+Enter to run · Esc to stop</span>
            </div>
            <CodeEditor
              language="python"
              label="Python script"
              value={draft.code}
              onChange={(code) => setDraft((d) => ({ ...d, code }))}
              onRun={() => void run()}
            />
          </div>
          <div className="pane input-pane">
            <div className="pane-title">
              <span>/input/data.json</span>
              {inputError ? (
                <span className="error-text" role="alert" aria-label="Input error">
                  {inputError}
                </span>
              ) : (
                <span className="muted">valid JSON</span>
              )}
            </div>
            <CodeEditor
              language="json"
              label="Input data (JSON)"
              value={draft.input}
              onChange={(input) => setDraft((d) => ({ ...d, input }))}
              onRun={() => void run()}
            />
          </div>
        </section>

        <section className="results" aria-label="Run">
          <div className="tabs" role="tablist" aria-label="Run views">
            {(['output', 'result', 'artifacts'] as Tab[]).map((t) => (
              <button
                key={t}
                type="button"
                role="tab"
                aria-selected={tab === t}
                className={tab === t ? 'active' : ''}
                onClick={() => setTab(t)}
              >
                {t === 'output'
                  ? 'Output'
                  : t === 'result'
                    ? `Result${shownDetail?.outputJson != null ? ' ●' : ''}`
                    : `Files${shownDetail ? ` (${shownDetail.artifacts.length})` : ''}`}
              </button>
            ))}
            <span className="run-state" aria-live="polite">
              {live ? (
                <>
                  <span className={`dot status-${live.status}`} aria-hidden="true" />
                  <span data-testid="run-status">{live.status}</span>
                  {shownDetail?.durationMs != null
                    ? ` · ${formatDuration(shownDetail.durationMs)}`
                    : ''}
                </>
              ) : (
                'No run yet'
              )}
            </span>
          </div>
          <div className="tab-body">
            {shownDetail && (
              <StatusCard
                run={shownDetail}
                onRerun={(l) => void rerun(shownDetail.id, l)}
                onBuild={(n) => void build(n)}
              />
            )}
            {tab === 'output' && (
              <div className="output" role="log" aria-label="Output" tabIndex={0}>
                {live?.chunks.map((c, i) => (
                  <span key={i} className={c.stream === 'stderr' ? 'stderr' : 'stdout'}>
                    {stripAnsi(c.text)}
                  </span>
                ))}
                {live?.clipped && (
                  <div className="truncated">
                    [live output clipped; the run keeps head and tail]
                  </div>
                )}
                {shownDetail && (shownDetail.stdoutTruncated || shownDetail.stderrTruncated) && (
                  <div className="truncated">
                    Output was longer than the limit: the middle is cut, marked [TRUNCATED …] above.
                  </div>
                )}
                {!live && (
                  <p className="muted">
                    Write a script and press Run (Ctrl+Enter). Its output appears here as it runs.
                  </p>
                )}
              </div>
            )}
            {tab === 'result' &&
              (shownDetail ? (
                shownDetail.outputJson !== null ? (
                  <div className="result-tree">
                    <JsonTree
                      value={JSON.parse(shownDetail.outputJson) as unknown}
                      label="Result (output)"
                    />
                  </div>
                ) : (
                  <p className="muted">
                    No /output/result.json: write one to return structured output.
                  </p>
                )
              ) : (
                <p className="muted">
                  {running ? 'Running…' : 'Open or start a run to see its result.'}
                </p>
              ))}
            {tab === 'artifacts' &&
              (shownDetail ? (
                <ArtifactBrowser runId={shownDetail.id} artifacts={shownDetail.artifacts} />
              ) : (
                <p className="muted">
                  {running ? 'Files appear when the run ends.' : 'No run open.'}
                </p>
              ))}
          </div>
        </section>

        <aside className="sidebar">
          <HistoryList
            runs={history.items}
            total={history.total}
            selectedId={live?.id ?? null}
            environments={environments.map((e) => e.name)}
            filter={filter}
            onFilter={setFilter}
            onOpen={(id) => {
              setLive(null)
              liveRef.current = null
              void openRun(id)
            }}
            onRerun={(id) => void rerun(id)}
            onFork={(id) => void fork(id)}
            onDelete={(id) => setConfirmDelete(id)}
          />
          {shownDetail && (
            <p className="muted folder-hint">
              Run <code>{shownDetail.id.slice(0, 13)}</code> · {shownDetail.artifacts.length} files
              · {formatBytes(shownDetail.artifacts.reduce((a, b) => a + b.sizeBytes, 0))} ·{' '}
              <button
                type="button"
                className="link"
                onClick={() =>
                  void client.call('runs:reveal', { id: shownDetail.id }).then(
                    (r) => !r.opened && setNotice(`The run's folder: ${r.path}`),
                    (err: unknown) => setNotice((err as Error).message),
                  )
                }
              >
                Show folder
              </button>
            </p>
          )}
        </aside>
      </main>

      {confirmDelete && (
        <div className="modal-backdrop">
          <div
            className="modal"
            role="alertdialog"
            aria-modal="true"
            aria-labelledby="confirm-title"
          >
            <h2 id="confirm-title">Delete this run?</h2>
            <p>Its code, input, output and files are removed from disk. This cannot be undone.</p>
            <div className="modal-buttons">
              <button type="button" onClick={() => setConfirmDelete(null)} autoFocus>
                Cancel
              </button>
              <button
                type="button"
                className="danger"
                onClick={() => {
                  const id = confirmDelete
                  setConfirmDelete(null)
                  void client.call('runs:delete', { id }).then(
                    () => {
                      if (live?.id === id) {
                        setLive(null)
                        setDetail(null)
                      }
                      void refreshHistory()
                    },
                    (err: unknown) => setNotice((err as Error).message),
                  )
                }}
              >
                Delete run
              </button>
            </div>
          </div>
        </div>
      )}
    </div>
  )
}
