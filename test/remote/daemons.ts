// The "remote" daemons of test/remote, on this machine: a second dockerd on 127.0.0.1:<port> with TLS,
// and Podman's Docker-compatible API on a unix socket. Each has its own data, state and (dockerd) its
// own bridge made with `ip link add` — never `--bridge=none`, which deletes the host's docker0 — and
// each is stopped and removed by the returned `stop()`, which never touches the main daemon.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Docker from 'dockerode'
import { freePort } from '../integration/helpers'
import { makeCerts, type CertSet } from './certs'

export interface RemoteDaemon {
  kind: 'tls' | 'podman' | 'ssh'
  /** The environment that points the engine (and the docker CLI) at it. */
  env: Record<string, string>
  certs: CertSet | null
  /** Seconds taken to copy the default image into it (docker save | load). */
  loadSeconds: number
  stop(): Promise<void>
}

const log = (msg: string): void => console.log(`[remote] ${msg}`)

function sh(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string {
  return execFileSync(cmd, args, {
    encoding: 'utf8',
    env: env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

async function until(
  what: string,
  ok: () => Promise<boolean>,
  ms: number,
  proc: ChildProcess,
  logFile: string,
): Promise<void> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) break
    if (await ok().catch(() => false)) return
    await new Promise((r) => setTimeout(r, 250))
  }
  const tail = fs.existsSync(logFile)
    ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n')
    : ''
  throw new Error(`${what} did not come up (exit ${proc.exitCode}):\n${tail}`)
}

async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return
  const exited = new Promise<void>((r) => proc.once('exit', () => r()))
  proc.kill('SIGTERM')
  const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000)
  await exited
  clearTimeout(timer)
}

/** Unmounts whatever the daemon left mounted under `root` (deepest first), then removes it. */
function removeRoot(root: string): void {
  const mounts = fs
    .readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .map((m) => m.replace(/\\040/g, ' '))
    .filter((m) => m === root || m.startsWith(`${root}/`))
    .sort((a, b) => b.length - a.length)
  for (const m of mounts) {
    try {
      sh('umount', ['-l', m])
    } catch {
      // already gone
    }
  }
  fs.rmSync(root, { recursive: true, force: true })
}

/**
 * Undo steps run last-first by `stop()`, each even when an earlier one failed; the first removes
 * `root`. `stop()` runs them once.
 */
function cleanupStack(root: string): {
  cleanups: (() => Promise<void> | void)[]
  stop: () => Promise<void>
} {
  const cleanups: (() => Promise<void> | void)[] = [() => removeRoot(root)]
  const stop = async (): Promise<void> => {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c()
      } catch (err) {
        log(`clean-up step failed: ${(err as Error).message}`)
      }
    }
  }
  return { cleanups, stop }
}

/** `docker save` of the default image from the main daemon, loaded by `load` (a command reading stdin). */
function copyImage(
  image: string,
  load: { cmd: string; args: string[]; env?: NodeJS.ProcessEnv },
): number {
  const started = Date.now()
  const mainEnv = { ...process.env }
  for (const k of ['DOCKER_HOST', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_CONTEXT'])
    delete mainEnv[k]
  const tar = path.join(os.tmpdir(), `tako-remote-image-${process.pid}.tar`)
  try {
    sh('docker', ['save', '-o', tar, image], mainEnv)
    execFileSync(load.cmd, [...load.args, '-i', tar], {
      env: load.env ?? process.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    })
  } finally {
    fs.rmSync(tar, { force: true })
  }
  return (Date.now() - started) / 1000
}

/** A second dockerd on 127.0.0.1:<free port>, TLS with verification, its own roots and bridge. */
export async function startTlsDockerd(image: string): Promise<RemoteDaemon> {
  // Short: containerd's sockets live under the exec root and unix socket paths are limited to 107 bytes.
  const root = fs.mkdtempSync('/tmp/tkr-')
  const bridge = `tkr${process.pid % 100000}`
  const { cleanups, stop } = cleanupStack(root)
  try {
    const certs = makeCerts(path.join(root, 'certs'))
    const third = 200 + (process.pid % 50)
    sh('ip', ['link', 'add', bridge, 'type', 'bridge'])
    cleanups.push(() => void sh('ip', ['link', 'del', bridge]))
    sh('ip', ['addr', 'add', `10.213.${third}.1/24`, 'dev', bridge])
    sh('ip', ['link', 'set', bridge, 'up'])
    const port = await freePort()
    const config = path.join(root, 'daemon.json')
    fs.writeFileSync(config, '{}\n')
    const logFile = path.join(root, 'dockerd.log')
    const out = fs.openSync(logFile, 'a')
    const proc = spawn(
      'dockerd',
      [
        `--config-file=${config}`,
        `--data-root=${root}/data`,
        `--exec-root=${root}/exec`,
        `--pidfile=${root}/docker.pid`,
        `-H`,
        `tcp://127.0.0.1:${port}`,
        '--tlsverify',
        `--tlscacert=${certs.server.ca}`,
        `--tlscert=${certs.server.cert}`,
        `--tlskey=${certs.server.key}`,
        `--bridge=${bridge}`,
        '--iptables=false',
        '--ip-masq=false',
        '--userland-proxy=false',
        '--containerd-namespace=tako-remote',
        '--containerd-plugins-namespace=tako-remote-plugins',
        '--log-level=warn',
      ],
      { stdio: ['ignore', out, out], detached: false },
    )
    fs.closeSync(out)
    cleanups.push(() => stopProcess(proc))
    const env = {
      DOCKER_HOST: `tcp://127.0.0.1:${port}`,
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: certs.good,
    }
    const docker = new Docker({
      protocol: 'https',
      host: '127.0.0.1',
      port,
      ca: fs.readFileSync(path.join(certs.good, 'ca.pem')),
      cert: fs.readFileSync(path.join(certs.good, 'cert.pem')),
      key: fs.readFileSync(path.join(certs.good, 'key.pem')),
    })
    await until(
      'the TLS dockerd',
      async () => String(await docker.ping()) === 'OK',
      60_000,
      proc,
      logFile,
    )
    log(`dockerd up at ${env.DOCKER_HOST} (bridge ${bridge}, root ${root})`)
    const loadSeconds = copyImage(image, {
      cmd: 'docker',
      args: ['load'],
      env: { ...process.env, ...env },
    })
    log(`image ${image} copied in ${loadSeconds.toFixed(1)} s`)
    return { kind: 'tls', env, certs, loadSeconds, stop }
  } catch (err) {
    await stop()
    throw err
  }
}

/** Podman's Docker-compatible API (`podman system service`) on a unix socket, with its own storage. */
export async function startPodman(image: string): Promise<RemoteDaemon> {
  const root = fs.mkdtempSync('/tmp/tkp-')
  const { cleanups, stop } = cleanupStack(root)
  try {
    const global = [
      `--root=${root}/storage`,
      `--runroot=${root}/run`,
      `--tmpdir=${root}/tmp`,
      '--cgroup-manager=cgroupfs',
      '--events-backend=file',
    ]
    const socket = path.join(root, 'podman.sock')
    const logFile = path.join(root, 'podman.log')
    const out = fs.openSync(logFile, 'a')
    const proc = spawn('podman', [...global, 'system', 'service', '--time=0', `unix://${socket}`], {
      stdio: ['ignore', out, out],
    })
    fs.closeSync(out)
    cleanups.push(() => stopProcess(proc))
    const docker = new Docker({ socketPath: socket })
    await until(
      'podman system service',
      async () => String(await docker.ping()) === 'OK',
      60_000,
      proc,
      logFile,
    )
    log(`podman up at unix://${socket}`)
    const loadSeconds = copyImage(image, { cmd: 'podman', args: [...global, 'load'] })
    log(`image ${image} copied in ${loadSeconds.toFixed(1)} s`)
    return {
      kind: 'podman',
      env: { DOCKER_HOST: `unix://${socket}` },
      certs: null,
      loadSeconds,
      stop,
    }
  } catch (err) {
    await stop()
    throw err
  }
}
