// Electron entry: the thin shell. It starts the same core as `npm run serve`, binds the contract to
// IPC, serves artifacts through a custom protocol, serves the HTTP API (setting, default on), and shows
// the renderer in one locked-down window. Everything else lives in Electron-free modules.
import path from 'node:path'
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, shell } from 'electron'
import Store from 'electron-store'
import { ELECTRON_CSP } from '../shared/csp'
import type { DockerConnection } from '../shared/docker-connection'
import { ARTIFACT_SCHEME, EVENT_CHANNEL } from '../shared/ipc'
import { createCore } from './app/core'
import { subscribeAppEvents } from './app/events'
import { startupConnection } from './app/connection-handlers'
import { createHandlers } from './app/handlers'
import { artifactResponse } from './electron/artifact-protocol'
import { bindIpc } from './electron/ipc-binding'
import { bundleSavePath } from './electron/save-dialog'
import {
  folderActions,
  guardSession,
  guardWindow,
  isTrustedIpcSender,
} from './electron/window-guards'
import { startServer } from './server/server'
import { acquireDataLock, DataFolderBusyError } from './store/data-lock'

interface Settings {
  apiEnabled: boolean
  apiPort: number
  maxTimeoutS: number
  /** Where Docker is (see docs/remote-hosts.md); applied at start-up. */
  dockerConnection: DockerConnection
}

const settings = new Store<Settings>({
  defaults: {
    apiEnabled: true,
    apiPort: 8000,
    maxTimeoutS: 300,
    dockerConnection: { kind: 'local' },
  },
})

protocol.registerSchemesAsPrivileged([
  {
    scheme: ARTIFACT_SCHEME,
    privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true },
  },
])

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
  const docker = startupConnection(settings.get('dockerConnection'))
  if (docker.problem) console.warn(`[tako] ${docker.problem}`)
  const core = createCore({
    dataDir,
    maxTimeoutS: settings.get('maxTimeoutS'),
    connection: docker.connection,
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

  guardSession(session.defaultSession, ELECTRON_CSP)
  protocol.handle(ARTIFACT_SCHEME, (request) => artifactResponse(core.store, request.url))

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
  const folders = folderActions(shell, core.store.dataDir)
  const handlers = createHandlers(core, {
    ...folders,
    chooseSavePath: bundleSavePath(
      { showSaveDialog: (options) => dialog.showSaveDialog(win, options) },
      app.getPath('downloads'),
    ),
    connection: {
      get: () => settings.get('dockerConnection'),
      set: (c) => settings.set('dockerConnection', c),
      problem: docker.problem,
    },
  })
  bindIpc(ipcMain, handlers, (sender, frameUrl) =>
    isTrustedIpcSender(
      BrowserWindow.fromWebContents(sender as Electron.WebContents) === win,
      frameUrl,
    ),
  )
  const offEvents = subscribeAppEvents(core, (e) => {
    if (!win.isDestroyed()) win.webContents.send(EVENT_CHANNEL, e)
  })

  guardWindow(win.webContents, {
    confirm: async (url) => {
      const r = await dialog.showMessageBox(win, {
        type: 'question',
        buttons: ['Open', 'Cancel'],
        message: `Open ${url} in your browser?`,
      })
      return r.response === 0
    },
    openExternal: (url) => shell.openExternal(url),
  })

  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
      { role: 'fileMenu' },
      { role: 'editMenu' },
      { role: 'viewMenu' },
      { role: 'windowMenu' },
      {
        role: 'help',
        submenu: [{ label: 'Open data folder', click: () => folders.openDataFolder() }],
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
