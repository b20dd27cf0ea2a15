// "Test connection" and /health over ssh (TAKO_REMOTE=ssh only; see vitest.config.ts) against the
// private sshd of ssh-daemon.ts, each case with its own home (~/.ssh): the right key and a known host
// connect; a key the host refuses, nothing listening, an unknown host, a changed host key, a key with
// a passphrase only, and a host without docker each get their own explanation; the key is taken from
// an ssh agent, and from ~/.ssh when the agent has none; many API calls share one ssh connection.
import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Docker from 'dockerode'
import { describe, expect, it } from 'vitest'
import { inject } from 'vitest'
import { resolveConnection } from '../../src/main/engine/docker-connection'
import { freePort, request, startInProcess } from '../integration/helpers'
import { remoteServer } from './app-server'

const fixture = () => {
  const ssh = inject('remoteSsh')
  if (!ssh) throw new Error('the ssh pass provides remoteSsh')
  return ssh
}

const t = remoteServer()

/** Runs `fn` with HOME (and SSH_AUTH_SOCK) set as a person with that ~/.ssh would have them. */
async function asUser<T>(home: string, agent: string, fn: () => Promise<T>): Promise<T> {
  const before = { HOME: process.env.HOME, SSH_AUTH_SOCK: process.env.SSH_AUTH_SOCK }
  process.env.HOME = home
  process.env.SSH_AUTH_SOCK = agent
  try {
    return await fn()
  } finally {
    Object.assign(process.env, before)
  }
}

const testAs = (home: string, agent = '', host = fixture().host) =>
  asUser(home, agent, () => t.testWith({ kind: 'host', host }))

/** An ssh-agent of its own on a socket in a temporary folder, holding `keys`. */
async function withAgent<T>(keys: string[], fn: (socket: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-agent-'))
  const socket = path.join(dir, 'agent.sock')
  const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' })
  try {
    for (let i = 0; i < 100 && !fs.existsSync(socket); i++)
      await new Promise((r) => setTimeout(r, 50))
    for (const key of keys) {
      execFileSync('ssh-add', [key], {
        env: { ...process.env, SSH_AUTH_SOCK: socket },
        stdio: 'pipe',
      })
    }
    return await fn(socket)
  } finally {
    agent.kill()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

describe('docker:test over ssh', () => {
  it('the key in ~/.ssh and a known host: connects, and names the engine', async () => {
    const r = await testAs(fixture().homes.good)
    expect(r).toMatchObject({ ok: true, error: null, engine: 'docker', endpoint: fixture().host })
  })

  it('a key the host does not accept: says which keys were tried', async () => {
    const home = fixture().homes.wrongKey
    const r = await testAs(home)
    expect(r).toMatchObject({ ok: false, problem: 'ssh-auth' })
    expect(r.error).toContain(`accepted none of the keys tried: ${home}/.ssh/id_ed25519`)
    expect(r.error).toMatch(/authorized_keys/)
    console.log('[ssh] wrong key:', r.error)
  })

  it('nothing listening on the port: refused', async () => {
    const port = await freePort()
    const r = await testAs(fixture().homes.good, '', `ssh://root@127.0.0.1:${port}`)
    expect(r).toMatchObject({ ok: false, problem: 'refused' })
    expect(r.error).toMatch(
      new RegExp(`Nothing accepts connections at ssh://root@127\\.0\\.0\\.1:${port}`),
    )
  })

  it('a host not in known_hosts is refused, with its fingerprint and how to add it', async () => {
    const r = await testAs(fixture().homes.unknownHost)
    expect(r).toMatchObject({ ok: false, problem: 'ssh-host-key' })
    expect(r.error).toContain(`[127.0.0.1]:${fixture().port} is not a known ssh host`)
    expect(r.error).toContain(fixture().hostFingerprint)
    expect(r.error).toContain(`ssh-keyscan -p ${fixture().port} 127.0.0.1 >>`)
    console.log('[ssh] unknown host:', r.error)
  })

  it('a host that presents another key than known_hosts lists is refused', async () => {
    const r = await testAs(fixture().homes.changedHost)
    expect(r).toMatchObject({ ok: false, problem: 'ssh-host-key' })
    expect(r.error).toMatch(/host key of \[127\.0\.0\.1\]:\d+ has changed/)
    expect(r.error).toContain(fixture().hostFingerprint)
    expect(r.error).toContain(`ssh-keygen -R "[127.0.0.1]:${fixture().port}"`)
  })

  it('a key with a passphrase is not usable from the file: says to put it in the agent', async () => {
    const home = fixture().homes.encryptedKey
    const r = await testAs(home)
    expect(r).toMatchObject({ ok: false, problem: 'ssh-auth' })
    expect(r.error).toContain(`not usable: ${home}/.ssh/id_ed25519`)
    expect(r.error).toMatch(/passphrase must be in the agent/)
  })

  it('the key in an ssh agent (SSH_AUTH_SOCK), none in ~/.ssh: connects', async () => {
    const r = await withAgent([fixture().goodKey], (socket) =>
      testAs(fixture().homes.noKeys, socket),
    )
    expect(r).toMatchObject({ ok: true, engine: 'docker' })
  })

  it('an agent without the key, the key in ~/.ssh: connects (both are tried, as ssh does)', async () => {
    const r = await withAgent([], (socket) => testAs(fixture().homes.good, socket))
    expect(r).toMatchObject({ ok: true, engine: 'docker' })
  })

  it('a host where docker cannot run: says so, with the remote command’s words', async () => {
    const r = await testAs(fixture().homes.noDocker)
    expect(r).toMatchObject({ ok: false, problem: 'ssh' })
    expect(r.error).toMatch(
      /docker system dial-stdio` there ended \(exit 127: docker: command not found\)/,
    )
    console.log('[ssh] no docker:', r.error)
  })
})

describe('the engine over ssh', () => {
  it('many API calls share one ssh connection, and its channels gather no listeners', async () => {
    const accepted = () =>
      (fs.readFileSync(fixture().logFile, 'utf8').match(/Accepted publickey for root/g) ?? [])
        .length
    const resolved = resolveConnection({ kind: 'host', host: fixture().host })
    const docker = new Docker(resolved.options)
    const before = accepted()
    const warnings: string[] = []
    const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`)
    process.on('warning', onWarning)
    try {
      for (let i = 0; i < 15; i++) expect(String(await docker.ping())).toBe('OK')
      expect((await docker.version()).Version).toMatch(/^\d+\./)
      await docker.listContainers({ limit: 1 })
      await new Promise((r) => setImmediate(r))
    } finally {
      process.off('warning', onWarning)
      ;(resolved.options as { agent?: { destroy(): void } }).agent?.destroy()
    }
    expect(accepted() - before).toBe(1)
    expect(warnings.filter((w) => w.startsWith('MaxListenersExceeded'))).toEqual([])
  })

  it('/health of the server in use: healthy over ssh, with the archive transfer', async () => {
    const r = await request<Record<string, unknown>>(`${t.srv.url}/health`)
    expect(r.body).toMatchObject({
      status: 'healthy',
      docker_available: true,
      docker_error: null,
      docker_host: fixture().host,
      file_transfer: 'archive',
      container_engine: 'docker',
    })
  })

  it('/health explains a server whose ssh host is not known', async () => {
    const bad = await asUser(fixture().homes.unknownHost, '', () => startInProcess())
    try {
      const r = await request<{ docker_available: boolean; docker_error: string; status: string }>(
        `${bad.url}/health`,
      )
      expect(r.body).toMatchObject({ docker_available: false, status: 'degraded' })
      expect(r.body.docker_error).toMatch(/is not a known ssh host/)
    } finally {
      await bad.close()
    }
  })
})
