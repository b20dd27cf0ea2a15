// The app as a non-root Linux user in the docker group, for run-uid-nonroot.test.ts. The suite runs
// as root (CI) from a clone whose folder other users may not enter (e.g. /root, mode 700), so the
// app cannot run from the source tree: app-entry.ts is bundled with esbuild into one file in a
// fresh folder of the system's temp dir (with the environment catalogue it reads) and run as
// `setpriv --reuid N --regid N --groups <docker socket's group>`: real, effective and saved ids all
// N, so nothing in it can act as root. In-process `seteuid` would not do: the real uid stays 0, so
// the engine (and every child it starts) would see a root process.
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
import { build } from 'esbuild'

export interface NonRootApp {
  url: string
  sessionId: string
  uid: number
  gid: number
  pool: boolean
  dataDir: string
  /** Engine events the app logged so far (JSON lines on its stderr). */
  events: Record<string, unknown>[]
  /** Resolves once a warm container is ready (at once with the pool off). */
  warm(): Promise<void>
  /** SIGTERM, as a user's Ctrl+C; resolves with the exit code. */
  stop(): Promise<number | null>
  /** Removes the bundle and the data folder (after stop). */
  cleanUp(): void
}

/** A uid no account of this host names, for the app's user. */
function freeUid(): number {
  const taken = new Set(
    fs
      .readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .concat(fs.readFileSync('/etc/group', 'utf8').split('\n'))
      .map((l) => Number(l.split(':')[2])),
  )
  let uid = 4242
  while (taken.has(uid)) uid++
  return uid
}

/** The group that may use the Docker socket: the app's user joins it, as a desktop user does. */
function dockerSocketGroup(): number {
  const host = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'
  if (!host.startsWith('unix://')) throw new Error(`non-root app test needs a unix socket: ${host}`)
  const st = fs.statSync(host.slice('unix://'.length))
  if (st.gid === 0 || !(st.mode & 0o060)) {
    throw new Error(
      `the Docker socket (${host}) has no group other users may join (gid ${st.gid}, mode ${(st.mode & 0o777).toString(8)})`,
    )
  }
  return st.gid
}

async function bundle(repo: string, dir: string): Promise<string> {
  const out = path.join(dir, 'app.mjs')
  await build({
    entryPoints: [path.join(repo, 'test', 'security', 'nonroot', 'app-entry.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: out,
    logLevel: 'error',
    // ssh2's optional native add-ons: loaded in a try, absent here as on a machine without them.
    external: ['*.node'],
    banner: {
      js: [
        "import { createRequire as __cr } from 'node:module'",
        "import { fileURLToPath as __fu } from 'node:url'",
        "import __p from 'node:path'",
        'const require = __cr(import.meta.url)',
        'const __filename = __fu(import.meta.url)',
        'const __dirname = __p.dirname(__filename)',
      ].join(';'),
    },
  })
  fs.cpSync(path.join(repo, 'resources'), path.join(dir, 'resources'), { recursive: true })
  for (const p of [dir, ...fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })]) {
    const full = path.resolve(dir, p)
    fs.chmodSync(full, fs.statSync(full).isDirectory() ? 0o755 : 0o644)
  }
  return out
}

/**
 * Starts the app as a fresh non-root user. Throws — never skips — when this process is not root or
 * the host cannot run it that way: a suite that silently passed without it would prove nothing.
 */
export async function startNonRootApp(
  env: Record<string, string> = {},
  /** Starts it again, as the same user on the same data folder (after `stop`). */
  again?: NonRootApp,
): Promise<NonRootApp> {
  if (process.getuid?.() !== 0) {
    throw new Error('run-uid-nonroot: the suite must run as root to start the app as another user')
  }
  const repo = path.resolve(import.meta.dirname, '..', '..', '..')
  const uid = again?.uid ?? freeUid()
  const dockerGid = dockerSocketGroup()
  const dir = again
    ? path.dirname(again.dataDir)
    : fs.mkdtempSync(path.join(os.tmpdir(), 'tako-nonroot-'))
  const dataDir = path.join(dir, 'data')
  const app = again ? path.join(dir, 'app.mjs') : await bundle(repo, dir)
  if (!again) {
    fs.mkdirSync(dataDir, { mode: 0o700 })
    fs.chownSync(dataDir, uid, uid)
  }
  const child: ChildProcess = spawn(
    'setpriv',
    [
      ...['--reuid', String(uid), '--regid', String(uid), '--groups', String(dockerGid)],
      ...[process.execPath, app],
    ],
    {
      cwd: '/',
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: dataDir,
        TAKO_DATA_DIR: dataDir,
        TAKO_POOL: process.env.TAKO_POOL ?? '1',
        ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
        ...env,
      },
    },
  )
  const events: Record<string, unknown>[] = []
  const stderr: string[] = []
  readline.createInterface({ input: child.stderr! }).on('line', (line) => {
    try {
      events.push(JSON.parse(line) as Record<string, unknown>)
    } catch {
      stderr.push(line)
    }
  })
  const lines = readline.createInterface({ input: child.stdout! })
  const waiters: ((line: Record<string, unknown>) => void)[] = []
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
  lines.on('line', (line) => waiters.shift()?.(JSON.parse(line) as Record<string, unknown>))
  const nextLine = (): Promise<Record<string, unknown>> =>
    Promise.race([
      new Promise<Record<string, unknown>>((resolve) => waiters.push(resolve)),
      exited.then((code) => {
        throw new Error(
          `the non-root app exited (${code}): ${JSON.stringify(events.slice(-5))} ${stderr.join('\n')}`,
        )
      }),
    ])
  const hello = await nextLine()
  return {
    url: String(hello.url),
    sessionId: String(hello.sessionId),
    uid: Number(hello.uid),
    gid: Number(hello.gid),
    pool: hello.pool === true,
    dataDir,
    events,
    async warm() {
      child.stdin!.write('warm\n')
      await nextLine()
    },
    async stop() {
      child.kill('SIGTERM')
      return exited
    },
    cleanUp() {
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}
