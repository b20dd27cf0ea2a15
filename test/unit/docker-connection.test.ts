// Where the engine connects, as the docker CLI would (see docs/remote-hosts.md), and how failures
// are explained. Real files in a temporary home; no daemon.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Docker from 'dockerode'
import { describe, expect, it } from 'vitest'
import {
  ConnectionConfigError,
  engineOf,
  listContexts,
  resolveConnection,
} from '../../src/main/engine/docker-connection'
import { explainConnectionError } from '../../src/main/engine/docker-probe'
import { SshDockerAgent, sshIdentities } from '../../src/main/engine/ssh-transport'

function home(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tako-conn-'))
}

function certDir(root: string, name = 'certs'): string {
  const dir = path.join(root, name)
  fs.mkdirSync(dir, { recursive: true })
  for (const f of ['ca.pem', 'cert.pem', 'key.pem']) fs.writeFileSync(path.join(dir, f), `${f}\n`)
  return dir
}

function context(
  h: string,
  name: string,
  host: string,
  opts: { tls?: boolean; skip?: boolean } = {},
) {
  const id = createHash('sha256').update(name).digest('hex')
  const meta = path.join(h, '.docker', 'contexts', 'meta', id)
  fs.mkdirSync(meta, { recursive: true })
  fs.writeFileSync(
    path.join(meta, 'meta.json'),
    JSON.stringify({
      Name: name,
      Endpoints: { docker: { Host: host, SkipTLSVerify: opts.skip ?? false } },
    }),
  )
  if (opts.tls) certDir(path.join(h, '.docker', 'contexts', 'tls', id), 'docker')
}

describe('DOCKER_HOST', () => {
  it('tcp:// with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH: https on the port, the three files read', () => {
    const h = home()
    const certs = certDir(h)
    const r = resolveConnection(
      { kind: 'local' },
      { DOCKER_HOST: 'tcp://10.0.0.2:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs },
      h,
    )
    expect(r).toMatchObject({ endpoint: 'tcp://10.0.0.2:2376', source: 'DOCKER_HOST' })
    expect(r.options).toMatchObject({ protocol: 'https', host: '10.0.0.2', port: 2376 })
    expect(String(r.options.ca)).toBe('ca.pem\n')
    expect(String(r.options.cert)).toBe('cert.pem\n')
    expect(String(r.options.key as Buffer)).toBe('key.pem\n')
    expect((r.options as { rejectUnauthorized?: boolean }).rejectUnauthorized).toBeUndefined()
  })

  it('DOCKER_TLS_VERIFY without DOCKER_CERT_PATH reads ~/.docker, as the CLI does', () => {
    const h = home()
    certDir(h, '.docker')
    const r = resolveConnection(
      { kind: 'local' },
      { DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1' },
      h,
    )
    expect(String(r.options.cert)).toBe('cert.pem\n')
  })

  it('tcp:// without TLS is plain http on 2375 by default', () => {
    const r = resolveConnection({ kind: 'local' }, { DOCKER_HOST: 'tcp://box' }, home())
    expect(r.options).toEqual({ protocol: 'http', host: 'box', port: 2375 })
  })

  it('unix:// is a socket path', () => {
    const r = resolveConnection(
      { kind: 'local' },
      { DOCKER_HOST: 'unix:///run/podman/podman.sock' },
      home(),
    )
    expect(r).toMatchObject({
      endpoint: 'unix:///run/podman/podman.sock',
      options: { socketPath: '/run/podman/podman.sock' },
    })
  })

  it('ssh://user@host:port uses the agent', () => {
    const r = resolveConnection(
      { kind: 'local' },
      { DOCKER_HOST: 'ssh://ada@build.example:2222', SSH_AUTH_SOCK: '/tmp/agent.sock' },
      home(),
    )
    expect(r.endpoint).toBe('ssh://ada@build.example:2222')
    // HTTP through an agent whose connections are `docker system dial-stdio` over ssh.
    expect(r.options).toMatchObject({ protocol: 'http', host: 'build.example', port: 2222 })
    const agent = (r.options as { agent?: unknown }).agent
    expect(agent).toBeInstanceOf(SshDockerAgent)
    expect((agent as SshDockerAgent).target).toMatchObject({
      host: 'build.example',
      port: 2222,
      username: 'ada',
      agentSocket: '/tmp/agent.sock',
    })
  })

  it('ssh without an agent offers ~/.ssh/id_ed25519', () => {
    const h = home()
    fs.mkdirSync(path.join(h, '.ssh'))
    const key = path.join(h, '.ssh', 'id_ed25519')
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key])
    const r = resolveConnection({ kind: 'local' }, { DOCKER_HOST: 'ssh://ada@box' }, h)
    const target = ((r.options as { agent?: unknown }).agent as SshDockerAgent).target
    expect(target).toMatchObject({ port: 22, home: h, agentSocket: null })
    expect(sshIdentities(target.home).usable.map((k) => k.file)).toEqual([key])
    expect(r.options.port).toBe(22)
  })

  it('a missing certificate file is a clear configuration error, not a crash later', () => {
    expect(() =>
      resolveConnection(
        { kind: 'local' },
        { DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/nonexistent' },
        home(),
      ),
    ).toThrow(/Cannot read \/nonexistent\/ca\.pem \(ENOENT\)/)
  })

  it('an unknown scheme is refused with the schemes that work', () => {
    expect(() => resolveConnection({ kind: 'local' }, { DOCKER_HOST: 'ftp://x' }, home())).toThrow(
      ConnectionConfigError,
    )
  })
})

describe('CLI contexts', () => {
  it('the current context with its own TLS folder', () => {
    const h = home()
    context(h, 'build', 'tcp://10.0.0.9:2376', { tls: true })
    fs.writeFileSync(
      path.join(h, '.docker', 'config.json'),
      JSON.stringify({ currentContext: 'build' }),
    )
    const r = resolveConnection({ kind: 'local' }, {}, h)
    expect(r).toMatchObject({ endpoint: 'tcp://10.0.0.9:2376', source: 'context' })
    expect(r.options).toMatchObject({ protocol: 'https', port: 2376 })
    expect(String(r.options.key as Buffer)).toBe('key.pem\n')
  })

  it('SkipTLSVerify turns off the daemon check only', () => {
    const h = home()
    context(h, 'lab', 'tcp://lab:2376', { tls: true, skip: true })
    const r = resolveConnection({ kind: 'context', name: 'lab' }, {}, h)
    expect((r.options as { rejectUnauthorized?: boolean }).rejectUnauthorized).toBe(false)
  })

  it('the setting names a context and wins over DOCKER_HOST, as `docker --context` does', () => {
    const h = home()
    context(h, 'pod', 'unix:///run/podman/podman.sock')
    const r = resolveConnection(
      { kind: 'context', name: 'pod' },
      { DOCKER_HOST: 'tcp://elsewhere:2375' },
      h,
    )
    expect(r).toMatchObject({ endpoint: 'unix:///run/podman/podman.sock', source: 'setting' })
  })

  it('a context that does not exist is an error naming it', () => {
    expect(() => resolveConnection({ kind: 'context', name: 'gone' }, {}, home())).toThrow(
      /no Docker CLI context named "gone"/,
    )
  })

  it('lists the contexts, default first', () => {
    const h = home()
    context(h, 'zeta', 'tcp://z:2375')
    context(h, 'alpha', 'tcp://a:2375')
    expect(listContexts({}, h)).toEqual(['default', 'alpha', 'zeta'])
  })
})

describe('a host setting', () => {
  it('with a certificate folder: TLS with verification; wins over DOCKER_HOST', () => {
    const h = home()
    const certs = certDir(h)
    const r = resolveConnection(
      { kind: 'host', host: 'tcp://127.0.0.1:23760', certPath: certs },
      { DOCKER_HOST: 'unix:///other.sock' },
      h,
    )
    expect(r).toMatchObject({ endpoint: 'tcp://127.0.0.1:23760', source: 'setting' })
    expect(r.options).toMatchObject({ protocol: 'https', port: 23760 })
  })

  it('a relative unix path is refused', () => {
    expect(() =>
      resolveConnection({ kind: 'host', host: 'unix://docker.sock' }, {}, home()),
    ).toThrow(/absolute path/)
  })
})

describe('engineOf', () => {
  it('tells Podman by its component name', () => {
    expect(engineOf({ Components: [{ Name: 'Podman Engine' }] })).toBe('podman')
    expect(engineOf({ Components: [{ Name: 'Engine' }, { Name: 'containerd' }] })).toBe('docker')
    expect(engineOf({})).toBe('docker')
  })
})

describe('explainConnectionError', () => {
  const at = 'tcp://10.0.0.2:2376'
  it.each([
    [{ code: 'ECONNREFUSED' }, 'refused', /connection refused/],
    [{ code: 'ENOENT' }, 'not-found', /no Docker socket/],
    [{ code: 'EACCES' }, 'permission', /docker group/],
    [{ code: 'ENOTFOUND' }, 'not-found', /does not resolve/],
    [{ code: 'ETIMEDOUT' }, 'timeout', /did not answer in time/],
    [{ code: 'SELF_SIGNED_CERT_IN_CHAIN' }, 'tls-untrusted-server', /ca\.pem does not vouch/],
    [{ code: 'ERR_TLS_CERT_ALTNAME_INVALID' }, 'tls-untrusted-server', /names this host/],
    [{ message: 'ssl3_read_bytes:tlsv1 alert unknown ca' }, 'tls-client-rejected', /"unknown ca"/],
    [
      { message: 'error:05800074:x509 certificate routines::key values mismatch' },
      'tls-mismatch',
      /key\.pem must be the key/,
    ],
    [{ message: 'Client sent an HTTP request to an HTTPS server.' }, 'config', /speaks TLS only/],
    [{ code: 'EPROTO', message: 'wrong version number' }, 'config', /does not speak TLS/],
  ])('%o → %s', (err, problem, message) => {
    const r = explainConnectionError(at, err)
    expect(r.problem).toBe(problem)
    expect(r.message).toMatch(message)
  })

  it('a reset connection is a refused client certificate only over TLS', () => {
    expect(explainConnectionError(at, { code: 'ECONNRESET' }, { tls: true }).problem).toBe(
      'tls-client-rejected',
    )
    expect(explainConnectionError('unix:///x.sock', { code: 'ECONNRESET' }).problem).toBe('other')
  })

  it('finds the cause under our own wrapping', () => {
    const wrapped = Object.assign(new Error('Docker is not reachable'), {
      cause: { code: 'ECONNREFUSED' },
    })
    expect(explainConnectionError(at, wrapped).problem).toBe('refused')
  })
})

describe('the options win over docker-modem’s own reading of DOCKER_HOST', () => {
  // docker-modem fills in whatever the options leave out from the process's DOCKER_HOST: a socket
  // (a unix:// setting, a test's watcher) would otherwise be dialled over ssh or tcp instead.
  it('a unix socket stays a socket while DOCKER_HOST names an ssh host', () => {
    const before = process.env.DOCKER_HOST
    process.env.DOCKER_HOST = 'ssh://ada@build.example:2222'
    try {
      const r = resolveConnection({ kind: 'host', host: 'unix:///run/x.sock' }, {}, home())
      const modem = new Docker(r.options).modem as unknown as Record<string, unknown>
      expect(modem).toMatchObject({ socketPath: '/run/x.sock', host: undefined, protocol: 'http' })
    } finally {
      if (before === undefined) delete process.env.DOCKER_HOST
      else process.env.DOCKER_HOST = before
    }
  })
})
