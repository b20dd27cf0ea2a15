// Electron entry: the thin shell. It starts the same core and HTTP API as `npm run serve` and shows
// the renderer in one locked-down window. Everything else lives in Electron-free modules.
import path from 'node:path'
import { app, BrowserWindow, session, shell } from 'electron'
import { createCore, defaultDataDir } from './core'
import { startServer } from './server/server'

const API_PORT = Number(process.env.TAKO_PORT ?? 8000)

async function main(): Promise<void> {
  await app.whenReady()
  const core = createCore({
    dataDir: process.env.TAKO_DATA_DIR
      ? defaultDataDir()
      : path.join(app.getPath('userData'), 'data'),
  })
  await core.startup()
  try {
    await startServer({ core, port: API_PORT })
  } catch (err) {
    // A busy port is reported, not fatal: the window still works against its own engine.
    console.error(
      `[tako] the API could not listen on 127.0.0.1:${API_PORT}: ${(err as Error).message}`,
    )
  }
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) =>
    callback(false),
  )
  const win = new BrowserWindow({
    width: 1280,
    height: 860,
    title: 'Tako VM Desktop',
    webPreferences: {
      preload: path.join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  })
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url)
    return { action: 'deny' }
  })
  win.webContents.on('will-navigate', (event) => event.preventDefault())
  if (process.env.ELECTRON_RENDERER_URL) await win.loadURL(process.env.ELECTRON_RENDERER_URL)
  else await win.loadFile(path.join(import.meta.dirname, '../renderer/index.html'))
  app.on('window-all-closed', () => {
    void core.jobs.shutdown().then(() => app.quit())
  })
}

void main()
