// The guards of the app's window and session (see docs/security.md, 'Desktop shell'), written
// against the few parts of Electron they use, so a unit test drives them with fakes of these types.
import fs from 'node:fs'
import path from 'node:path'
import { ARTIFACT_SCHEME } from '../../shared/ipc'

export interface PreventableEvent {
  preventDefault(): void
}

/** What the guards use of a window's webContents. */
export interface GuardedContents {
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void
  on(event: 'will-navigate' | 'will-attach-webview', listener: (e: PreventableEvent) => void): void
}

export type HeadersListener = (
  details: { url: string; responseHeaders?: Record<string, string[] | string> },
  callback: (response: { responseHeaders?: Record<string, string[] | string> }) => void,
) => void

/** What the guards use of the window's session. */
export interface GuardedSession {
  setPermissionRequestHandler(
    handler: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void,
  ): void
  setPermissionCheckHandler(handler: () => boolean): void
  webRequest: { onHeadersReceived(listener: HeadersListener): void }
}

/** The host actions a guard may take: ask the person, then hand an https URL to their browser. */
export interface ExternalOpener {
  confirm(url: string): Promise<boolean>
  openExternal(url: string): Promise<void>
}

/** Only plain https URLs without credentials may leave the app, and only after a confirm. */
export function isSafeExternal(url: string): boolean {
  try {
    const u = new URL(url)
    return u.protocol === 'https:' && !u.username && !u.password
  } catch {
    return false
  }
}

/** Every permission refused; every response but an artifact's carries the window's CSP. */
export function guardSession(session: GuardedSession, csp: string): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  session.setPermissionCheckHandler(() => false)
  session.webRequest.onHeadersReceived((details, callback) => {
    // Artifacts keep the sandbox CSP their protocol handler sets.
    if (details.url.startsWith(`${ARTIFACT_SCHEME}:`)) return callback({})
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } })
  })
}

/**
 * The window never navigates away, never attaches a webview, and never opens a window: a link to
 * an https page is offered to the person's browser after a confirm; anything else is dropped.
 */
export function guardWindow(contents: GuardedContents, opener: ExternalOpener): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternal(url)) {
      void opener
        .confirm(url)
        .then(async (yes) => {
          if (yes) await opener.openExternal(url)
        })
        .catch(() => undefined)
    }
    return { action: 'deny' }
  })
  contents.on('will-navigate', (e) => e.preventDefault())
  contents.on('will-attach-webview', (e) => e.preventDefault())
}

/** IPC is taken only from the app's own window, and never from a frame showing an artifact. */
export function isTrustedIpcSender(isOwnWindow: boolean, frameUrl: string | undefined): boolean {
  return isOwnWindow && (frameUrl === undefined || !frameUrl.startsWith(`${ARTIFACT_SCHEME}:`))
}

/** What the shell uses to show a folder in the file manager. */
export interface FolderOpener {
  openPath(folder: string): Promise<string>
}

/**
 * The only things the shell hands to the file manager: the data folder, and a folder inside it (a
 * run's own folder, from "Show folder"). Never an artifact file, never a path outside the data.
 */
export function folderActions(
  opener: FolderOpener,
  dataDir: string,
): { openDataFolder(): void; revealFolder(folder: string): void } {
  const root = path.resolve(dataDir)
  return {
    openDataFolder: () => void opener.openPath(root),
    revealFolder: (folder) => {
      // The folder itself is no link, and with every link on the way resolved it is still inside.
      if (!fs.lstatSync(folder, { throwIfNoEntry: false })?.isDirectory()) return
      const rel = path.relative(fs.realpathSync(root), fs.realpathSync(folder))
      if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return
      void opener.openPath(folder)
    },
  }
}
