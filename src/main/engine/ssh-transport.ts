// Docker over ssh as the Docker CLI does it (`ssh://user@host[:port]`, see docs/remote-hosts.md, 'ssh'):
// each HTTP connection to the daemon is the stdin/stdout of `docker system dial-stdio` run on the host
// over ssh. Unlike docker-modem's own ssh transport (one ssh handshake and one new connection per
// API call, no host key check, one key only), this agent
// - checks the host key against known_hosts (ssh-known-hosts.ts),
// - authenticates as `ssh` would: the agent's keys (SSH_AUTH_SOCK), then ~/.ssh/id_rsa, id_ecdsa,
//   id_ed25519 (unencrypted ones; a passphrase-protected key must be in the agent),
// - keeps one ssh connection and opens a channel per HTTP connection (HTTP keep-alive reuses them),
// - remembers why the last attempt failed, for the connection's error message (`sshTrouble`).
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import type { Duplex } from 'node:stream'
import ssh2, { type AuthHandlerMiddleware, type Client, type ClientChannel } from 'ssh2'
import { checkHostKey, hostKeyRefusal, knownHostsFiles } from './ssh-known-hosts'

export interface SshTarget {
  host: string
  port: number
  username: string
  /** The home whose ~/.ssh holds the keys and known_hosts. */
  home: string
  /** SSH_AUTH_SOCK; null or empty: no agent. */
  agentSocket: string | null
}

/** ssh's default identity files, in its order (security keys and DSA are not supported). */
const KEY_FILES = ['id_rsa', 'id_ecdsa', 'id_ed25519']
/** sshd's default MaxSessions is 10: keep below it on one connection, open another past it. */
const CHANNELS_PER_CONNECTION = 8
/** An ssh connection without channels for this long is closed. */
const IDLE_CLOSE_MS = 30_000

export interface SshTrouble {
  problem: 'ssh-host-key' | 'ssh-auth' | 'ssh'
  message: string
}

// ssh2 is CommonJS: named imports of its values fail under Node's ESM loader.
const { Client: SshClient, utils } = ssh2

const trouble = new Map<string, SshTrouble>()

/** Why the last ssh attempt to `endpoint` failed (host key, keys, the remote command), if known. */
export function sshTrouble(endpoint: string): SshTrouble | undefined {
  return trouble.get(endpoint)
}

export interface Keys {
  usable: { file: string; key: Buffer }[]
  /** Files that exist but cannot be used without a passphrase (or are not keys ssh2 reads). */
  skipped: string[]
}

/** The identity files `ssh` would offer from `home`'s ~/.ssh, and those it cannot use. */
export function sshIdentities(home: string): Keys {
  const keys: Keys = { usable: [], skipped: [] }
  for (const name of KEY_FILES) {
    const file = path.join(home, '.ssh', name)
    let data: Buffer
    try {
      data = fs.readFileSync(file)
    } catch {
      continue
    }
    const parsed = utils.parseKey(data)
    if (parsed instanceof Error) keys.skipped.push(`${file} (${parsed.message})`)
    else keys.usable.push({ file, key: data })
  }
  return keys
}

/** What authentication tried, for the message when all of it failed. */
function authDescription(target: SshTarget, keys: Keys): string {
  const tried = [
    ...(target.agentSocket ? [`the keys in the ssh agent (${target.agentSocket})`] : []),
    ...keys.usable.map((k) => k.file),
  ]
  const skipped = keys.skipped.length ? `; not usable: ${keys.skipped.join(', ')}` : ''
  const none = target.agentSocket ? '' : ' (no ssh agent: SSH_AUTH_SOCK is not set)'
  return (
    `${target.username}@${target.host}:${target.port} accepted none of the keys tried: ` +
    `${tried.length ? tried.join(', ') : `none${none}`}${skipped}. Add this machine's public key ` +
    `to ~${target.username}/.ssh/authorized_keys there, or load the right key into ssh-agent ` +
    '(`ssh-add`); a key with a passphrase must be in the agent.'
  )
}

/** The agent first, then each usable key file; `false` when everything was tried. */
function authHandler(target: SshTarget, keys: Keys): AuthHandlerMiddleware {
  const steps: Parameters<Parameters<AuthHandlerMiddleware>[2]>[0][] = [
    ...(target.agentSocket
      ? [{ type: 'agent' as const, username: target.username, agent: target.agentSocket }]
      : []),
    ...keys.usable.map((k) => ({
      type: 'publickey' as const,
      username: target.username,
      key: k.key,
    })),
  ]
  let next = 0
  return (_methodsLeft, _partial, callback) => callback(steps[next++] ?? false)
}

/**
 * A channel made to pass for the socket `http` expects: an idle timeout, no-op TCP options, and
 * ref/unref that count towards the ssh connection's own socket (an idle keep-alive channel must not
 * keep the process alive, as an idle TCP socket would not).
 */
function asSocket(channel: ClientChannel, refs: { add(n: 1 | -1): void }): Duplex {
  let timer: NodeJS.Timeout | undefined
  let idleMs = 0
  let refd = true
  refs.add(1)
  const arm = (): void => {
    clearTimeout(timer)
    if (idleMs > 0) timer = setTimeout(() => channel.emit('timeout'), idleMs).unref()
  }
  const s = channel as ClientChannel &
    Pick<net.Socket, 'setNoDelay' | 'setKeepAlive' | 'ref' | 'unref'>
  const self = (): net.Socket => s as unknown as net.Socket
  ;(s as unknown as net.Socket).setTimeout = (ms: number, cb?: () => void) => {
    // As net.Socket does: 0 turns the timeout off and takes its callback back off.
    idleMs = ms
    if (cb && ms === 0) channel.removeListener('timeout', cb)
    else if (cb) channel.once('timeout', cb)
    arm()
    return self()
  }
  channel.on('data', arm)
  channel.once('close', () => {
    clearTimeout(timer)
    if (refd) refs.add(-1)
    refd = false
  })
  s.setNoDelay = self
  s.setKeepAlive = self
  s.ref = () => {
    if (!refd && !channel.destroyed) refs.add(1)
    refd = !channel.destroyed
    return self()
  }
  s.unref = () => {
    if (refd) refs.add(-1)
    refd = false
    return self()
  }
  return s
}

interface Connection {
  client: Client
  socket: net.Socket
  ready: Promise<void>
  channels: number
  /** Channels that hold the process alive (not idle in the keep-alive pool). */
  refs: number
  closed: boolean
  idle?: NodeJS.Timeout
}

/** An http.Agent whose connections are `docker system dial-stdio` channels over ssh. */
export class SshDockerAgent extends http.Agent {
  private readonly connections: Connection[] = []

  constructor(
    readonly target: SshTarget,
    private readonly endpoint: string,
  ) {
    super({ keepAlive: true, maxFreeSockets: CHANNELS_PER_CONNECTION, timeout: 60_000 })
  }

  private connect(): Connection {
    const { target, endpoint } = this
    const keys = sshIdentities(target.home)
    trouble.delete(endpoint)
    const client = new SshClient()
    const socket = net.connect({ host: target.host, port: target.port })
    const conn: Connection = {
      client,
      socket,
      channels: 0,
      refs: 0,
      closed: false,
      ready: Promise.resolve(),
    }
    conn.ready = new Promise<void>((resolve, reject) => {
      client.once('ready', () => {
        trouble.delete(endpoint)
        resolve()
      })
      client.on('error', (err: Error & { level?: string }) => {
        if (err.level === 'client-authentication') {
          trouble.set(endpoint, { problem: 'ssh-auth', message: authDescription(target, keys) })
        }
        reject(err)
      })
    })
    conn.ready.catch(() => undefined)
    const forget = (): void => {
      conn.closed = true
      clearTimeout(conn.idle)
      const i = this.connections.indexOf(conn)
      if (i >= 0) this.connections.splice(i, 1)
    }
    client.on('close', forget)
    client.connect({
      sock: socket,
      username: target.username,
      readyTimeout: 20_000,
      authHandler: authHandler(target, keys),
      hostVerifier: (key: Buffer) => {
        const verdict = checkHostKey(knownHostsFiles(target.home), target.host, target.port, key)
        const refusal = hostKeyRefusal(verdict, target, key)
        if (refusal) trouble.set(endpoint, { problem: 'ssh-host-key', message: refusal })
        return refusal === null
      },
    })
    this.connections.push(conn)
    return conn
  }

  private pick(): Connection {
    const open = this.connections.find((c) => !c.closed && c.channels < CHANNELS_PER_CONNECTION)
    return open ?? this.connect()
  }

  private release(conn: Connection): void {
    conn.channels--
    if (conn.channels > 0) return
    conn.idle = setTimeout(() => conn.client.end(), IDLE_CLOSE_MS).unref()
  }

  /** The ssh socket holds the process alive only while a channel is in use or being opened. */
  private refCount(conn: Connection, n: 1 | -1): void {
    conn.refs += n
    if (conn.refs > 0) conn.socket.ref()
    else conn.socket.unref()
  }

  override createConnection(
    _options: http.ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): undefined {
    if (!callback) throw new Error('SshDockerAgent connects asynchronously: a callback is needed')
    const conn = this.pick()
    conn.channels++
    clearTimeout(conn.idle)
    // Held while the channel is being opened; asSocket's own count takes over from there.
    this.refCount(conn, 1)
    conn.ready
      .then(
        () =>
          new Promise<ClientChannel>((resolve, reject) =>
            conn.client.exec('docker system dial-stdio', (err, channel) =>
              err ? reject(err) : resolve(channel),
            ),
          ),
      )
      .then(
        (channel) => {
          this.watchRemote(channel)
          channel.once('close', () => this.release(conn))
          const socket = asSocket(channel, { add: (n) => this.refCount(conn, n) })
          this.refCount(conn, -1)
          callback(null, socket)
        },
        (err: Error) => {
          this.refCount(conn, -1)
          this.release(conn)
          callback(err, undefined as unknown as Duplex)
        },
      )
    return undefined
  }

  /** A remote command that ends before answering (no docker there, not allowed): keep its words. */
  private watchRemote(channel: ClientChannel): void {
    let answered = false
    let stderr = ''
    channel.once('data', () => (answered = true))
    channel.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 2000) stderr += d.toString('utf8')
    })
    channel.once('exit', (code: number | null) => {
      if (answered || code === 0) return
      this.remoteFailed(code, stderr)
    })
  }

  private remoteFailed(code: number | null, stderr: string): void {
    const { target } = this
    trouble.set(this.endpoint, {
      problem: 'ssh',
      message:
        `ssh to ${target.username}@${target.host}:${target.port} worked, but \`docker system ` +
        `dial-stdio\` there ended (exit ${code ?? '?'}${stderr.trim() ? `: ${stderr.trim()}` : ''}) ` +
        'without answering: docker must be installed on that host and the user allowed to use it ' +
        '(in the docker group, or root).',
    })
  }

  override destroy(): void {
    super.destroy()
    for (const c of this.connections.splice(0)) c.client.end()
  }
}
