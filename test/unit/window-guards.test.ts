// The desktop shell's guards, driven through fakes of the interfaces they take (no Electron here).
import { describe, expect, it } from 'vitest'
import { ELECTRON_CSP } from '../../src/shared/csp'
import {
  folderActions,
  guardSession,
  guardWindow,
  isTrustedIpcSender,
  type ExternalOpener,
  type GuardedContents,
  type GuardedSession,
  type HeadersListener,
  type PreventableEvent,
} from '../../src/main/electron/window-guards'

class FakeContents implements GuardedContents {
  openHandler: ((details: { url: string }) => { action: 'deny' }) | null = null
  readonly listeners = new Map<string, (e: PreventableEvent) => void>()
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void {
    this.openHandler = handler
  }
  on(
    event: 'will-navigate' | 'will-attach-webview',
    listener: (e: PreventableEvent) => void,
  ): void {
    this.listeners.set(event, listener)
  }
  /** Fires `event` and tells whether a guard prevented it. */
  fire(event: string): boolean {
    let prevented = false
    this.listeners.get(event)?.({ preventDefault: () => (prevented = true) })
    return prevented
  }
}

class FakeOpener implements ExternalOpener {
  readonly asked: string[] = []
  readonly opened: string[] = []
  constructor(private readonly answer: boolean) {}
  async confirm(url: string): Promise<boolean> {
    this.asked.push(url)
    return this.answer
  }
  async openExternal(url: string): Promise<void> {
    this.opened.push(url)
  }
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0))

describe('window guards', () => {
  it('blocks navigation and webviews', () => {
    const contents = new FakeContents()
    guardWindow(contents, new FakeOpener(true))
    expect(contents.fire('will-navigate')).toBe(true)
    expect(contents.fire('will-attach-webview')).toBe(true)
  })

  it('denies every new window; only https without credentials is offered, after a confirm', async () => {
    const contents = new FakeContents()
    const opener = new FakeOpener(true)
    guardWindow(contents, opener)
    const hostile = [
      'tako-artifact://run/r1/evil.html',
      'file:///etc/passwd',
      'http://example.com/',
      'javascript:alert(1)',
      'https://user:pw@example.com/',
      'not a url',
    ]
    for (const url of [...hostile, 'https://docs.python.org/3/']) {
      expect(contents.openHandler!({ url }), url).toEqual({ action: 'deny' })
    }
    await settle()
    expect(opener.asked).toEqual(['https://docs.python.org/3/'])
    expect(opener.opened).toEqual(['https://docs.python.org/3/'])
  })

  it('opens nothing when the person declines', async () => {
    const contents = new FakeContents()
    const opener = new FakeOpener(false)
    guardWindow(contents, opener)
    contents.openHandler!({ url: 'https://example.com/' })
    await settle()
    expect(opener.asked).toEqual(['https://example.com/'])
    expect(opener.opened).toEqual([])
  })
})

describe('session guards', () => {
  function guarded(): {
    permission: (p: string) => boolean
    check: () => boolean
    headers: HeadersListener
  } {
    let request: ((c: unknown, p: string, cb: (granted: boolean) => void) => void) | null = null
    let check: (() => boolean) | null = null
    let headers: HeadersListener | null = null
    const session: GuardedSession = {
      setPermissionRequestHandler: (h) => (request = h),
      setPermissionCheckHandler: (h) => (check = h),
      webRequest: { onHeadersReceived: (l) => (headers = l) },
    }
    guardSession(session, ELECTRON_CSP)
    return {
      permission: (p) => {
        let granted: boolean | null = null
        request!(null, p, (g) => (granted = g))
        return granted!
      },
      check: () => check!(),
      headers: headers!,
    }
  }

  it('refuses every permission request and check', () => {
    const g = guarded()
    for (const p of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read'])
      expect(g.permission(p), p).toBe(false)
    expect(g.check()).toBe(false)
  })

  it('sets the window CSP on the app’s responses and leaves an artifact’s own CSP alone', () => {
    const g = guarded()
    const seen: unknown[] = []
    g.headers({ url: 'file:///app/index.html', responseHeaders: { 'X-A': ['1'] } }, (r) =>
      seen.push(r),
    )
    g.headers({ url: 'tako-artifact://run/r1/a.html', responseHeaders: {} }, (r) => seen.push(r))
    expect(seen).toEqual([
      { responseHeaders: { 'X-A': ['1'], 'Content-Security-Policy': [ELECTRON_CSP] } },
      {},
    ])
  })
})

describe('IPC senders', () => {
  it('trusts only the app’s own window, and never a frame showing an artifact', () => {
    expect(isTrustedIpcSender(true, undefined)).toBe(true)
    expect(isTrustedIpcSender(true, 'file:///app/index.html')).toBe(true)
    expect(isTrustedIpcSender(false, 'file:///app/index.html')).toBe(false)
    expect(isTrustedIpcSender(true, 'tako-artifact://run/r1/page.html')).toBe(false)
  })
})

describe('folder actions', () => {
  it('open the data folder and folders inside it, nothing else', async () => {
    const fs = await import('node:fs')
    const os = await import('node:os')
    const path = await import('node:path')
    const data = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-folders-'))
    const run = path.join(data, 'runs', 'r1')
    fs.mkdirSync(run, { recursive: true })
    fs.writeFileSync(path.join(run, 'evil.desktop'), '[Desktop Entry]')
    const opened: string[] = []
    const folders = folderActions({ openPath: async (f) => (opened.push(f), '') }, data)
    fs.symlinkSync('/etc', path.join(run, 'linked'))
    const hostile = [
      path.join(run, 'evil.desktop'),
      data,
      '/etc',
      path.join(data, '..'),
      path.join(run, 'linked'),
      path.join(run, 'linked', 'ssl'),
      path.join(run, 'missing'),
    ]
    for (const f of [...hostile, run]) folders.revealFolder(f)
    folders.openDataFolder()
    expect(opened).toEqual([run, data])
    fs.rmSync(data, { recursive: true, force: true })
  })
})
