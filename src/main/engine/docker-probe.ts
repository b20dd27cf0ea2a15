// "Test connection": one `GET /version` against a connection, and failures explained so a person can
// fix them — refused, no socket, timeout, TLS (which side distrusts which), wrong certificates, ssh.
import os from 'node:os'
import Docker from 'dockerode'
import type {
  ConnectionProblem,
  DockerConnection,
  DockerTestResult,
} from '../../shared/docker-connection'
import { ConnectionConfigError, engineOf, resolveConnection } from './docker-connection'
import { sshTrouble } from './ssh-transport'

interface ErrorLike {
  code?: string
  message?: string
  statusCode?: number
  json?: unknown
  reason?: string
  level?: string
}

const UNTRUSTED_SERVER = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
])

/** The cause of a dockerode error, however deep docker-modem and our client wrapped it. */
function rootCause(err: unknown): ErrorLike {
  let e = err as (ErrorLike & { cause?: unknown }) | null
  for (let i = 0; i < 5 && e?.cause; i++) e = e.cause
  return e ?? {}
}

/** A failure to reach `endpoint` in words a person can act on, with its kind. */
export function explainConnectionError(
  endpoint: string,
  err: unknown,
  over: { tls?: boolean } = {},
): { problem: ConnectionProblem; message: string } {
  if (err instanceof ConnectionConfigError) return { problem: 'config', message: err.message }
  // Over ssh the transport knows more than the error it ends with (host key, keys, remote command).
  const ssh = endpoint.startsWith('ssh://') ? sshTrouble(endpoint) : undefined
  if (ssh) return ssh
  const e = rootCause(err)
  const code = e.code ?? ''
  const text = `${e.message ?? ''} ${typeof e.json === 'string' ? e.json : ''}`
  const at = `Docker at ${endpoint}`
  if (UNTRUSTED_SERVER.has(code)) {
    return {
      problem: 'tls-untrusted-server',
      message:
        `${at} presented a certificate that ca.pem does not vouch for (${code}): ` +
        'use the CA that signed the daemon’s certificate, and a certificate that names this host.',
    }
  }
  const alert = /alert (unknown ca|bad certificate|certificate required|certificate unknown)/i.exec(
    text,
  )
  if (alert) {
    return {
      problem: 'tls-client-rejected',
      message:
        `${at} refused this client’s certificate (TLS alert "${alert[1]}"): cert.pem and key.pem ` +
        'must be signed by the CA the daemon trusts (its --tlscacert).',
    }
  }
  if (
    /key values mismatch|KEY_VALUES_MISMATCH|PEM|no start line|bad decrypt/i.test(`${code} ${text}`)
  ) {
    return {
      problem: 'tls-mismatch',
      message: `The certificate files for ${endpoint} cannot be used (${text.trim()}): key.pem must be the key of cert.pem, all three in PEM form.`,
    }
  }
  if (/HTTP request to an HTTPS server/i.test(text)) {
    return {
      problem: 'config',
      message: `${at} speaks TLS only: give the folder with ca.pem, cert.pem and key.pem.`,
    }
  }
  if (code === 'EPROTO' || /wrong version number|packet length too long/i.test(text)) {
    return {
      problem: 'config',
      message: `${at} does not speak TLS on this port: leave the certificate folder empty, or use the daemon’s TLS port.`,
    }
  }
  if (code === 'ECONNREFUSED') {
    return {
      problem: 'refused',
      message: `Nothing accepts connections at ${endpoint} (connection refused): is the daemon running and listening there?`,
    }
  }
  if (code === 'ENOENT') {
    return {
      problem: 'not-found',
      message: `There is no Docker socket at ${endpoint}: start Docker, or pick where it listens.`,
    }
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return {
      problem: 'permission',
      message: `Permission denied on ${endpoint}: add your user to the docker group (then log in again), or use rootless Docker / Podman.`,
    }
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return { problem: 'not-found', message: `The host name in ${endpoint} does not resolve.` }
  }
  if (code === 'ETIMEDOUT' || /timeout|timed out/i.test(text)) {
    return {
      problem: 'timeout',
      message: `${at} did not answer in time: check the address, the port and any firewall between.`,
    }
  }
  if (e.level === 'client-authentication' || /ssh|handshake|authentication/i.test(text)) {
    return {
      problem: 'ssh',
      message: `ssh to ${endpoint} failed (${text.trim()}): the key must be in your ssh agent (SSH_AUTH_SOCK) or in ~/.ssh/id_rsa, id_ecdsa or id_ed25519, the host in ~/.ssh/known_hosts, and the remote user allowed to run docker.`,
    }
  }
  if (over.tls && (code === 'ECONNRESET' || /socket hang up/i.test(text))) {
    return {
      problem: 'tls-client-rejected',
      message: `${at} closed the connection (${code || text.trim()}): a TLS daemon does that to a client certificate it does not trust.`,
    }
  }
  return { problem: 'other', message: `${at}: ${text.trim() || code || String(err)}` }
}

/**
 * A TLS or ssh failure of a call to `endpoint` explained (the daemon not trusted, this client refused,
 * a key that is not the certificate's; an unknown or changed ssh host key, no accepted ssh key, no
 * docker on the ssh host); null for any other error. For the engine's client, so that `/health` and
 * the app's badge say what is wrong with the certificates or the ssh set-up.
 */
export function tlsFailure(endpoint: string, err: unknown): string | null {
  const why = explainConnectionError(endpoint, err)
  return why.problem.startsWith('tls-') || why.problem.startsWith('ssh') ? why.message : null
}

/** One `GET /version` through `setting`, never throwing: the result says what happened. */
export async function testConnection(
  setting: DockerConnection,
  options: { env?: NodeJS.ProcessEnv; home?: string; timeoutMs?: number } = {},
): Promise<DockerTestResult> {
  let endpoint = setting.kind === 'host' ? setting.host : setting.kind
  let tls = false
  const timeoutMs = options.timeoutMs ?? 5000
  let timer: NodeJS.Timeout | undefined
  let agent: { destroy(): void } | undefined
  try {
    const resolved = resolveConnection(
      setting,
      options.env ?? process.env,
      options.home ?? os.homedir(),
    )
    endpoint = resolved.endpoint
    tls = resolved.options.protocol === 'https'
    agent = (resolved.options as { agent?: { destroy(): void } }).agent
    // docker-modem's own timeout ends the request as a plain "socket hang up": our timer tells them apart.
    const docker = new Docker({ ...resolved.options, timeout: timeoutMs + 2000 })
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
        timeoutMs,
      )
    })
    const v = await Promise.race([docker.version(), timedOut])
    return {
      ok: true,
      endpoint,
      version: v.Version ?? null,
      engine: engineOf(v),
      error: null,
      problem: null,
    }
  } catch (err) {
    const why = explainConnectionError(endpoint, err, { tls })
    return {
      ok: false,
      endpoint,
      version: null,
      engine: null,
      error: why.message,
      problem: why.problem,
    }
  } finally {
    clearTimeout(timer)
    // ssh: the one-off client's connections end here, not when they time out.
    agent?.destroy()
  }
}
