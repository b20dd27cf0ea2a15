import type { JSX } from 'react'
import type { BuildProgressEvent, DockerStatus, EnvironmentInfo } from '../../../shared/api'
import type { Notice } from '../hooks/useNotices'

interface Props {
  docker: DockerStatus | null
  /** The environment the draft runs in (undefined until the list is loaded). */
  env: EnvironmentInfo | undefined
  build: BuildProgressEvent | undefined
  notice: Notice | null
  onBuild: (name: string) => void
  onCancelBuild: (name: string) => void
  onDismiss: () => void
}

function EnvironmentBanner({
  env,
  build,
  onBuild,
  onCancelBuild,
}: Pick<Props, 'build' | 'onBuild' | 'onCancelBuild'> & { env: EnvironmentInfo }): JSX.Element {
  return (
    <div className="banner warn" role="alert" aria-label="Environment status">
      {env.status === 'building' || build?.state === 'building' ? (
        <>
          <span>
            Building <strong>{env.name}</strong>: step {build?.step ?? 0} of{' '}
            {build?.totalSteps || '?'}
          </span>
          <progress
            aria-label={`Build progress of ${env.name}`}
            max={build?.totalSteps || 1}
            value={build?.step ?? 0}
          />
          <code className="build-line">{build?.line}</code>
          <button type="button" onClick={() => onCancelBuild(env.name)}>
            Cancel
          </button>
        </>
      ) : (
        <>
          <span>
            The <strong>{env.name}</strong> environment ({env.description}) is{' '}
            {env.status === 'outdated' ? 'out of date' : 'not built yet'}.
            {build?.state === 'failed' ? ` The last build failed: ${build.error ?? ''}` : ''}
          </span>
          <button type="button" className="primary" onClick={() => onBuild(env.name)}>
            Build {env.name}
          </button>
        </>
      )}
    </div>
  )
}

const DOWN = 'Docker is not reachable'

/** `text` with its `quoted` parts as code. */
function withCode(text: string): (string | JSX.Element)[] {
  return text.split('`').map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : part))
}

/**
 * Why Docker is down and what to do, said once: the engine's message ("Docker is not reachable at
 * <host> (ENOENT). Start Docker…") already holds the advice; a message without it gets it here.
 */
function DockerDown({ error }: { error: string | null }): JSX.Element {
  const rest = error?.startsWith(DOWN) ? error.slice(DOWN.length) : `. ${error ?? ''}`
  // One span: the banner is a flex row, which would set each piece of text apart.
  return (
    <span>
      <strong>{DOWN}</strong>
      {withCode(rest)}{' '}
      {error?.includes('Start Docker') ? null : (
        <>
          Start Docker Desktop (or <code>sudo systemctl start docker</code> on Linux).{' '}
        </>
      )}
      This page reconnects by itself.
    </span>
  )
}

/** Under the top bar: Docker unreachable, the environment to build, the last notice. */
export function Banners(props: Props): JSX.Element {
  const { docker, env, notice } = props
  const envMissing =
    env && (env.status === 'missing' || env.status === 'outdated' || env.status === 'building')
  return (
    <>
      {docker && !docker.available && (
        <div className="banner error" role="alert">
          <DockerDown error={docker.error} />
        </div>
      )}
      {docker?.available && envMissing && (
        <EnvironmentBanner
          env={env}
          build={props.build}
          onBuild={props.onBuild}
          onCancelBuild={props.onCancelBuild}
        />
      )}
      {notice && (
        <div className={`banner ${notice.tone}`} role="status">
          {notice.text}
          <button type="button" className="link" onClick={props.onDismiss} aria-label="Dismiss">
            ✕
          </button>
        </div>
      )}
    </>
  )
}
