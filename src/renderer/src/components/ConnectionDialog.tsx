import { useEffect, useState, type JSX, type ReactNode } from 'react'
import type {
  DockerConnection,
  DockerConnectionInfo,
  DockerTestResult,
} from '../../../shared/docker-connection'
import { client } from '../api/client'
import { Modal } from './Modal'

type Kind = DockerConnection['kind']

/** The form's fields as one connection (what Test and Save send). */
function connectionOf(
  kind: Kind,
  context: string,
  host: string,
  certPath: string,
): DockerConnection {
  if (kind === 'context') return { kind, name: context || 'default' }
  if (kind === 'host') return { kind, host: host.trim(), certPath: certPath.trim() || null }
  return { kind: 'local' }
}

function testLine(r: DockerTestResult): string {
  if (!r.ok) return r.error ?? 'The connection failed.'
  const engine = r.engine === 'podman' ? 'Podman' : 'Docker'
  return `Connected: ${engine} ${r.version ?? ''} at ${r.endpoint}.`
}

/**
 * Where the app reaches Docker (see docs/remote-hosts.md): the default (as the docker CLI), a Docker
 * CLI context, or a host with a certificate folder; "Test connection" and Save. A saved setting
 * applies when the app restarts. Served over HTTP, the server's environment decides: the setting is
 * shown read-only and only the server's own connection can be tested.
 */
export function ConnectionDialog({ onClose }: { onClose: () => void }): JSX.Element {
  const [info, setInfo] = useState<DockerConnectionInfo | null>(null)
  const [kind, setKind] = useState<Kind>('local')
  const [context, setContext] = useState('default')
  const [host, setHost] = useState('')
  const [certPath, setCertPath] = useState('')
  const [result, setResult] = useState<{ text: string; ok: boolean } | null>(null)
  const [busy, setBusy] = useState(false)

  const show = (i: DockerConnectionInfo): void => {
    setInfo(i)
    const s = i.setting
    setKind(s.kind)
    if (s.kind === 'context') setContext(s.name)
    if (s.kind === 'host') {
      setHost(s.host)
      setCertPath(s.certPath ?? '')
    }
  }
  useEffect(() => {
    client.call('docker:connection', {}).then(show, (err: Error) => {
      setResult({ text: err.message, ok: false })
    })
  }, [])

  const editable = info?.editable ?? false
  const current = connectionOf(kind, context, host, certPath)
  const act = async (what: 'test' | 'save'): Promise<void> => {
    setBusy(true)
    setResult(null)
    try {
      if (what === 'test') {
        const r = await client.call('docker:test', editable ? { connection: current } : {})
        setResult({ text: testLine(r), ok: r.ok })
      } else {
        const i = await client.call('docker:setConnection', { connection: current })
        show(i)
        setResult({
          text: i.restartRequired
            ? 'Saved. It applies when Tako VM Desktop restarts: quit and open it again.'
            : 'Saved; this is the connection in use.',
          ok: true,
        })
      }
    } catch (err) {
      setResult({ text: (err as Error).message, ok: false })
    } finally {
      setBusy(false)
    }
  }

  return (
    <Modal className="modal connection-dialog" labelledBy="connection-title" onClose={onClose}>
      <h2 id="connection-title">Docker connection</h2>
      <p className="muted">
        In use: <code>{info?.endpoint ?? '…'}</code>
        {info?.restartRequired ? ' — the saved setting applies after a restart.' : ''}
      </p>
      {info?.problem && <p className="connection-problem">{info.problem}</p>}
      {info && !editable && (
        <p>
          This page is served by <code>npm run serve</code>: the server’s environment decides where
          Docker is (<code>DOCKER_HOST</code>, <code>DOCKER_TLS_VERIFY</code>,{' '}
          <code>DOCKER_CERT_PATH</code>, <code>DOCKER_CONTEXT</code>). You can test its connection
          here.
        </p>
      )}
      <fieldset disabled={!editable || busy} className="connection-choices">
        <legend>Connect to</legend>
        <KindChoice kind="local" chosen={kind} onChoose={setKind}>
          Default — as the <code>docker</code> command: DOCKER_HOST, else the current context, else
          this computer’s Docker
        </KindChoice>
        <KindChoice kind="context" chosen={kind} onChoose={setKind}>
          A Docker CLI context
        </KindChoice>
        {kind === 'context' && (
          <select
            aria-label="Docker context"
            value={context}
            onChange={(e) => setContext(e.target.value)}
          >
            {(info?.contexts.length ? info.contexts : [context]).map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        )}
        <KindChoice kind="host" chosen={kind} onChoose={setKind}>
          A host
        </KindChoice>
        {kind === 'host' && (
          <div className="connection-host">
            <label>
              <span>Address</span>
              <input
                value={host}
                placeholder="tcp://10.0.0.2:2376, ssh://me@build-box, unix:///run/podman/podman.sock"
                onChange={(e) => setHost(e.target.value)}
              />
            </label>
            <label>
              <span>Certificate folder (TLS: ca.pem, cert.pem, key.pem)</span>
              <input
                value={certPath}
                placeholder="/home/me/.docker/build-box (empty: no TLS)"
                onChange={(e) => setCertPath(e.target.value)}
              />
            </label>
          </div>
        )}
      </fieldset>
      {result && (
        <p className={result.ok ? 'connection-ok' : 'connection-problem'} role="status">
          {result.text}
        </p>
      )}
      <div className="modal-buttons">
        <button type="button" disabled={busy || !info} onClick={() => void act('test')}>
          Test connection
        </button>
        {editable && (
          <button
            type="button"
            className="primary"
            disabled={busy || (kind === 'host' && host.trim() === '')}
            onClick={() => void act('save')}
          >
            Save
          </button>
        )}
        <button type="button" onClick={onClose} data-autofocus>
          Close
        </button>
      </div>
    </Modal>
  )
}

/** One "Connect to" radio button. */
function KindChoice(props: {
  kind: Kind
  chosen: Kind
  onChoose: (kind: Kind) => void
  children: ReactNode
}): JSX.Element {
  return (
    <label>
      <input
        type="radio"
        name="connection-kind"
        checked={props.chosen === props.kind}
        onChange={() => props.onChoose(props.kind)}
      />
      <span>{props.children}</span>
    </label>
  )
}
