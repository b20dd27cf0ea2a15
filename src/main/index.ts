// Electron entry: the thin shell. It starts the same core as `npm run serve`, binds the contract to
// IPC, serves artifacts through a custom protocol, serves the HTTP API (setting, default on), and shows
// the renderer in one locked-down window. Everything else lives in Electron-free modules.
import fs from 'node:fs'
import path from 'node:path'
import { Readable } from 'node:stream'
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, shell } from 'electron'
import Store from 'electron-store'
import { createHandlers, subscribeAppEvents } from './app-api'
import { createCore } from './core'
import { ARTIFACT_SCHEME, resolveArtifactUrl } from './electron/artifact-protocol'
import { bindIpc, EVENT_CHANNEL } from './electron/ipc-binding'
import { startServer } from './server/server'
import { acquireDataLock, DataFolderBusyError } from './store/data-lock'

interface Settings {
  apiEnabled: boolean
  apiPort: number
  maxTimeoutS: number
}

const settings = new Store<Settings>({
  defaults: { apiEnabled: true, apiPort: 8000, maxTimeoutS: 300 },
})

protocol.registerSchemesAsPrivileged([
  {
    scheme: ARTIFACT_SCHEME,
    privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true },
  },
])

const RENDERER_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: tako-artifact:; " +
  "frame-src tako-artifact:; connect-src 'self' tako-artifact:; object-src 'none'; base-uri 'none'; form-action 'none'"

function isSafeExternal(url: string): boolean {
  try {
    const u = new URL(url)
    return u.protocol === 'https:' && !u.username && !u.password
  } catch {
    return false
  }
}

async function main(): Promise<void> {
  await app.whenReady()
  const dataDir = process.env.TAKO_DATA_DIR ?? path.join(app.getPath('userData'), 'data')
  // One app or server per data folder: a second would recover (and delete) the first one's live runs.
  try {
    acquireDataLock(dataDir)
  } catch (err) {
    if (!(err instanceof DataFolderBusyError)) throw err
    dialog.showErrorBox('Tako VM Desktop is already running', err.message)
    app.exit(1)
    return
  }
  const core = createCore({
    dataDir,
    maxTimeoutS: settings.get('maxTimeoutS'),
  })
  const startup = await core.startup()
  if (startup.dockerError) console.warn(`[tako] ${startup.dockerError}`)

  if (settings.get('apiEnabled')) {
    try {
      await startServer({ core, port: settings.get('apiPort') })
    } catch (err) {
      // A busy port is reported, not fatal: the window works over IPC regardless.
      void dialog.showMessageBox({
        type: 'warning',
        message: `The Tako VM API could not listen on 127.0.0.1:${settings.get('apiPort')}`,
        detail: `${(err as Error).message}\nThe app still works; scripts using the HTTP API need the port free.`,
      })
    }
  }

  const ses = session.defaultSession
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false))
  ses.setPermissionCheckHandler(() => false)
  ses.webRequest.onHeadersReceived((details, callback) => {
    if (details.url.startsWith(`${ARTIFACT_SCHEME}:`)) return callback({})
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [RENDERER_CSP] },
    })
  })

  protocol.handle(ARTIFACT_SCHEME, (request) => {
    const r = resolveArtifactUrl(core.store, request.url)
    if (!r.ok) return new Response(r.message, { status: r.status })
    // Opened without following a link, in case one was planted after the check above.
    const fd = fs.openSync(
      r.file,
      fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK,
    )
    const stream = Readable.toWeb(fs.createReadStream('', { fd }))
    return new Response(stream as ReadableStream, {
      headers: {
        'Content-Type': r.contentType,
        'Content-Security-Policy':
          "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'",
        'X-Content-Type-Options': 'nosniff',
      },
    })
  })

  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'Tako VM Desktop',
    webPreferences: {
      preload: path.join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
    },
  })
  const handlers = createHandlers(core, { revealFolder: (folder) => void shell.openPath(folder) })
  bindIpc(ipcMain, handlers, (sender, frameUrl) => {
    const owner = BrowserWindow.fromWebContents(sender as Electron.WebContents)
    return owner === win && (frameUrl === undefined || !frameUrl.startsWith(`${ARTIFACT_SCHEME}:`))
  })
  const offEvents = subscribeAppEvents(core, (e) => {
    if (!win.isDestroyed()) win.webContents.send(EVENT_CHANNEL, e)
  })

  win.webContents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternal(url)) {
      void dialog
        .showMessageBox(win, {
          type: 'question',
          buttons: ['Open', 'Cancel'],
          message: `Open ${url} in your browser?`,
        })
        .then(async (r) => {
          if (r.response === 0) await shell.openExternal(url)
        })
    }
    return { action: 'deny' }
  })
  win.webContents.on('will-navigate', (event) => event.preventDefault())
  win.webContents.on('will-attach-webview', (event) => event.preventDefault())

  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
      { role: 'fileMenu' },
      { role: 'editMenu' },
      { role: 'viewMenu' },
      { role: 'windowMenu' },
      {
        role: 'help',
        submenu: [
          { label: 'Open data folder', click: () => void shell.openPath(core.store.dataDir) },
        ],
      },
    ]),
  )

  if (process.env.ELECTRON_RENDERER_URL) await win.loadURL(process.env.ELECTRON_RENDERER_URL)
  else await win.loadFile(path.join(import.meta.dirname, '../renderer/index.html'))

  app.on('window-all-closed', () => {
    offEvents()
    void core.shutdown().then(() => app.quit())
  })
}

void main()
