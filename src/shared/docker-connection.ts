// Where the app reaches Docker (see docs/remote-hosts.md): the app's connection setting, what
// `docker:test` answers, and what `docker:connection` reports.
import { z } from 'zod'

const pathText = z.string().min(1).max(4096)

/**
 * `local`: as the docker CLI decides (DOCKER_HOST, else the current CLI context, else this computer's
 * socket). `context`: a named Docker CLI context. `host`: `unix://…`, `tcp://host:port` or
 * `ssh://user@host`, with `certPath` a folder holding `ca.pem`, `cert.pem` and `key.pem` (TLS, the
 * daemon verified against `ca.pem`, as `DOCKER_CERT_PATH` + `DOCKER_TLS_VERIFY=1`).
 */
export const dockerConnectionSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('local') }),
  z.strictObject({ kind: z.literal('context'), name: z.string().min(1).max(200) }),
  z.strictObject({
    kind: z.literal('host'),
    host: z.string().min(1).max(2000),
    certPath: pathText.nullable().optional(),
  }),
])

export type DockerConnection = z.infer<typeof dockerConnectionSchema>

/** Why a connection failed, for the person to act on. */
export type ConnectionProblem =
  | 'config'
  | 'refused'
  | 'not-found'
  | 'permission'
  | 'timeout'
  | 'tls-untrusted-server'
  | 'tls-client-rejected'
  | 'tls-mismatch'
  | 'ssh'
  | 'ssh-host-key'
  | 'ssh-auth'
  | 'other'

export interface DockerTestResult {
  ok: boolean
  /** The endpoint tried, e.g. `tcp://10.0.0.2:2376`. */
  endpoint: string
  version: string | null
  engine: 'docker' | 'podman' | null
  /** What went wrong and what to do about it; null when `ok`. */
  error: string | null
  problem: ConnectionProblem | null
}

export interface DockerConnectionInfo {
  /** The saved setting (over HTTP: always `local`, the server's environment decides). */
  setting: DockerConnection
  /** The endpoint the engine is connected to now. */
  endpoint: string
  /** False over HTTP: the server's connection comes from its environment. */
  editable: boolean
  /** The saved setting differs from what the engine uses: it applies when the app restarts. */
  restartRequired: boolean
  /** Set when the saved setting could not be used at start-up (the app fell back to `local`). */
  problem: string | null
  /** The Docker CLI's contexts (`default` first), for the setting's list; empty over HTTP. */
  contexts: string[]
}
