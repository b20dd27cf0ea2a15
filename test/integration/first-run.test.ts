// README's first command on a fresh clone, as a newcomer runs it: `npm start` with no node_modules
// installs the dependencies (the bootstrap's real install path, npm ci from the local npm cache),
// finds Docker and the default environment, and — no Electron binary or display here — starts the
// headless server, prints its URL and runs code. A second start skips the install and builds a
// changed default environment with a progress bar; with Docker unreachable it stops with one clear
// message and a non-zero exit code.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createDocker } from '../../src/main/engine/docker-endpoint'
import { imageRef } from '../../src/main/environments/catalogue'
import { expectNoContainersLeft, freePort, request, ROOT, tempDir } from './helpers'

const clone = path.join(tempDir('tako-first-run-'), 'repo')
const children: ChildProcess[] = []

afterAll(async () => {
  for (const c of children) await stop(c)
  await expectNoContainersLeft()
  fs.rmSync(path.dirname(clone), { recursive: true, force: true })
}, 120_000)

interface Started {
  child: ChildProcess
  url: string
  log(): string
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0)
    return true
  } catch {
    return false
  }
}

/** SIGTERM to the whole process group (npm, start.mjs, tsx, the server); waits until all are gone. */
async function stop(child: ChildProcess): Promise<void> {
  const pid = child.pid!
  if (!groupAlive(pid)) return
  process.kill(-pid, 'SIGTERM')
  const deadline = Date.now() + 60_000
  while (groupAlive(pid)) {
    if (Date.now() > deadline) throw new Error('npm start did not stop within 60 s of SIGTERM')
    await new Promise((r) => setTimeout(r, 100))
  }
}

function npmStart(env: NodeJS.ProcessEnv): { child: ChildProcess; log: () => string } {
  const child = spawn('npm', ['start'], {
    cwd: clone,
    env: { ...process.env, BROWSER: 'none', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  children.push(child)
  let out = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  return { child, log: () => out }
}

/** `npm start` until it prints the app's URL (install, UI build and start: minutes on a cold cache). */
async function startApp(dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<Started> {
  const port = await freePort()
  const { child, log } = npmStart({ TAKO_PORT: String(port), TAKO_DATA_DIR: dataDir, ...env })
  const url = `http://127.0.0.1:${port}/`
  const deadline = Date.now() + 8 * 60_000
  while (!log().includes(`Tako VM Desktop is running: ${url}`)) {
    if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}:\n${log()}`)
    if (Date.now() > deadline) throw new Error(`npm start printed no URL:\n${log()}`)
    await new Promise((r) => setTimeout(r, 250))
  }
  return { child, url, log }
}

describe('npm start on a fresh clone', () => {
  it('installs, starts the server, prints its URL and runs print(6*7)', async () => {
    execFileSync('git', ['clone', '--quiet', ROOT, clone])
    expect(fs.existsSync(path.join(clone, 'node_modules'))).toBe(false)

    const app = await startApp(tempDir())
    expect(app.log()).toContain('node_modules is missing: installing dependencies')
    expect(app.log()).toContain('dependencies installed')
    expect(fs.existsSync(path.join(clone, 'node_modules', 'tsx'))).toBe(true)

    const health = await request<{ status: string }>(`${app.url}health`)
    expect(health.status).toBe(200)
    expect(health.body.status).toBe('healthy')
    const run = await request<{ status: string; stdout: string }>(`${app.url}execute`, {
      method: 'POST',
      json: { code: 'print(6*7)' },
    })
    expect(run.body).toMatchObject({ status: 'succeeded', stdout: '42\n' })
    // The app itself is served at the URL.
    const page = await fetch(app.url)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<div id="root">')
    await stop(app.child)
    expect(app.log()).toContain('[tako] SIGTERM: stopping runs and the server')
  }, 600_000)

  it('a second start skips the install, and builds the default environment when its recipe changed', async () => {
    // A changed recipe is a new image tag: the build runs for real (Docker's layer cache makes it
    // quick) without touching the image every other test uses; it is removed afterwards.
    const resources = path.join(tempDir(), 'resources')
    fs.cpSync(path.join(clone, 'resources'), resources, { recursive: true })
    fs.appendFileSync(
      path.join(resources, 'environments', 'default', 'Dockerfile'),
      `\n# first-run test ${randomUUID()}\n`,
    )
    const ref = imageRef('default', path.join(resources, 'environments'))
    try {
      const again = await startApp(tempDir(), { TAKO_RESOURCES_DIR: resources })
      expect(again.log()).not.toContain('installing dependencies')
      expect(again.log()).toContain(`building the default environment ${ref}`)
      expect(again.log()).toMatch(/\[#+\.*\] \d+\/\d+/) // the progress bar, one line per step off a terminal
      expect(again.log()).toContain(`default: built ${ref}`)
      const run = await request<{ stdout: string }>(`${again.url}execute`, {
        method: 'POST',
        json: { code: 'print(6*7)' },
      })
      expect(run.body.stdout).toBe('42\n')
      await stop(again.child)
    } finally {
      await expectNoContainersLeft()
      await createDocker()
        .getImage(ref)
        .remove()
        .catch(() => undefined)
    }
  }, 300_000)

  it('Docker unreachable: one clear message with what to do, exit code 3', async () => {
    const { child, log } = npmStart({
      DOCKER_HOST: 'unix:///tmp/tako-no-such-docker.sock',
      TAKO_PORT: String(await freePort()),
      TAKO_DATA_DIR: tempDir(),
    })
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
    expect(code).toBe(3)
    expect(log()).toContain('Docker is not reachable at unix:///tmp/tako-no-such-docker.sock')
    expect(log()).toMatch(/then run npm start again/)
    expect(log()).not.toContain('listening on')
  }, 120_000)
})
