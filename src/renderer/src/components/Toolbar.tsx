import type { JSX, ReactNode } from 'react'
import type { DockerStatus, EnvironmentInfo } from '../../../shared/api'
import { EXAMPLES } from '../examples'
import type { Draft } from '../hooks/useDraft'
import { runButtonLabel } from '../run-controls'

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

interface Props {
  draft: Draft
  onDraft: (change: Partial<Draft>) => void
  environments: EnvironmentInfo[]
  docker: DockerStatus | null
  running: boolean
  canRun: boolean
  onRun: () => void
  onStop: () => void
  /** Another run is on screen (a past run's code, a watched job): Run says it runs the draft. */
  otherRunShown?: boolean
  /** Export…/Import… of run bundles. */
  bundleActions?: ReactNode
  /** The main navigation (Scripts / Exercises). */
  nav?: ReactNode
  /** The Examples menu's "Example exercise" (opens the bundled exercise pack). */
  onExampleExercise?: () => void
  /** False in views that run no script (the Exercises view): only the examples and Docker show. */
  scriptControls?: boolean
  /** Opens the Docker connection dialog. */
  onConnection?: () => void
}

const EXAMPLE_EXERCISE_OPTION = 'exercise:example'

/** The top bar: examples, environment, limits, Run/Stop and Docker's state. */
export function Toolbar(props: Props): JSX.Element {
  const { draft, onDraft, environments, docker } = props
  const env = environments.find((e) => e.name === draft.environment)
  const run = runButtonLabel(props.otherRunShown === true)
  return (
    <header className="topbar">
      <h1>Tako VM</h1>
      {props.nav}
      <label className="field">
        <span>Example</span>
        <select
          aria-label="Open an example"
          value=""
          onChange={(e) => {
            if (e.target.value === EXAMPLE_EXERCISE_OPTION) {
              props.onExampleExercise?.()
              return
            }
            const ex = EXAMPLES.find((x) => x.name === e.target.value)
            if (ex) onDraft({ code: ex.code, input: ex.input, environment: ex.environment })
          }}
        >
          <option value="">Examples…</option>
          {EXAMPLES.map((x) => (
            <option key={x.name} value={x.name}>
              {x.name}
            </option>
          ))}
          {props.onExampleExercise && (
            <optgroup label="Exercises">
              <option value={EXAMPLE_EXERCISE_OPTION}>Example exercise</option>
            </optgroup>
          )}
        </select>
      </label>
      {props.scriptControls !== false && (
        <>
          <label className="field">
            <span>Environment</span>
            <select
              aria-label="Environment"
              value={draft.environment}
              onChange={(e) => onDraft({ environment: e.target.value })}
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
                  onDraft({ [f.key]: e.target.value.replace(f.decimal ? /[^\d.]/g : /[^\d]/g, '') })
                }
              />
            </label>
          ))}
          <label className="field">
            <span>Runtime</span>
            <select
              aria-label="Runtime"
              value={draft.runtime}
              onChange={(e) => onDraft({ runtime: e.target.value as Draft['runtime'] })}
            >
              <option value="">
                Default ({docker?.defaultRuntime === 'gvisor' ? 'gVisor' : 'runc'})
              </option>
              <option value="runc">runc</option>
              <option value="gvisor">
                gVisor{docker?.gvisorAvailable === false ? ' (not installed)' : ''}
              </option>
            </select>
          </label>
          {props.bundleActions}
          <div className="run-buttons">
            {props.running ? (
              <button type="button" className="stop" onClick={props.onStop} title="Stop (Esc)">
                ■ Stop
              </button>
            ) : (
              <button
                type="button"
                className="primary"
                onClick={props.onRun}
                disabled={!props.canRun}
                title={run.title}
              >
                {run.text}
              </button>
            )}
          </div>
        </>
      )}
      <span
        className={`docker-pill ${docker?.available ? 'ok' : docker ? 'down' : ''}`}
        role="status"
        aria-label="Docker status"
        title={[
          docker?.error ??
            (docker?.gvisorAvailable ? 'gVisor (runsc) is registered with Docker' : ''),
          docker?.host ? `Daemon: ${docker.host}` : '',
          docker?.transfer === 'archive'
            ? 'Files are copied in and out with the archive API (a daemon elsewhere)'
            : docker?.transfer === 'bind'
              ? 'Files are bind-mounted from the run folder (a local daemon)'
              : '',
        ]
          .filter(Boolean)
          .join('\n')}
      >
        {docker === null
          ? 'Docker…'
          : docker.available
            ? `${docker.engine === 'podman' ? 'Podman' : 'Docker'} ${docker.version ?? ''}${
                docker.gvisorAvailable ? ' · gVisor' : ''
              }${docker.transfer === 'archive' ? ' · remote, files copied' : ''}`
            : 'Docker unreachable'}
      </span>
      {props.onConnection && (
        <button
          type="button"
          className="docker-settings"
          title="Where the app reaches Docker: this computer, a Docker context or a remote host"
          onClick={props.onConnection}
        >
          Connection…
        </button>
      )}
    </header>
  )
}
