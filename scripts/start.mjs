// `npm start`: everything a fresh clone needs, then the app. Plain Node, no dependencies of its own.
//  1. dependencies installed when missing or stale (scripts/bootstrap.mjs)
//  2. Docker answering (one clear message and exit 3 when not), the default environment built
//  3. the desktop app (Electron) where its binary and a display are available; otherwise the headless
//     server, its URL printed and opened in the default browser (BROWSER=none: not opened).
// TAKO_PORT (8000) is the API's port; TAKO_HEADLESS=1 skips Electron.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import process from 'node:process'
import { ROOT, TSX, checkNode, ensureDependencies, log, prepare, run, tsx } from './bootstrap.mjs'

const ELECTRON_DIR = path.join(ROOT, 'node_modules', 'electron')

function hasDisplay() {
  if (process.platform !== 'linux') return true
  return Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY)
}

function electronBinary() {
  try {
    const rel = fs.readFileSync(path.join(ELECTRON_DIR, 'path.txt'), 'utf8').trim()
    const bin = path.join(ELECTRON_DIR, 'dist', rel)
    return fs.existsSync(bin) ? bin : null
  } catch {
    return null
  }
}

/** Electron's binary, downloaded now if it was skipped at install; null where it cannot be had. */
async function electronAvailable() {
  if (/^(1|true|yes)$/i.test(process.env.TAKO_HEADLESS ?? '')) return false
  if (!hasDisplay()) {
    log('no display: starting the app in the browser instead of a desktop window')
    return false
  }
  if (electronBinary()) return true
  log("downloading Electron's binary (once)…")
  const code = await run(process.execPath, [path.join(ELECTRON_DIR, 'install.js')], {
    timeout: 300_000,
  })
  if (code === 0 && electronBinary()) return true
  log("Electron's binary could not be downloaded: starting the app in the browser instead")
  return false
}

function onPath(command) {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .some((d) => d && fs.existsSync(path.join(d, command)))
}

/** Opens the URL in the default browser where there is one; false when it did not try. */
function openBrowser(url) {
  const browser = process.env.BROWSER
  if (browser === 'none') return false
  let command
  let args
  if (browser) [command, args] = [browser, [url]]
  else if (process.platform === 'darwin') [command, args] = ['open', [url]]
  else if (process.platform === 'win32') [command, args] = ['cmd', ['/c', 'start', '""', url]]
  else if (hasDisplay() && onPath('xdg-open')) [command, args] = ['xdg-open', [url]]
  else return false
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true })
    child.on('error', () => log(`could not open a browser (${command}); open ${url} yourself`))
    child.unref()
    return true
  } catch {
    return false
  }
}

/** The headless server (what `npm run serve` runs), its URL printed and opened once it listens. */
async function startHeadless() {
  const built = await tsx(path.join('scripts', 'ensure-renderer.ts'))
  if (built !== 0) process.exit(built)
  const child = spawn(process.execPath, [TSX, path.join('src', 'main', 'serve.ts')], {
    cwd: ROOT,
    stdio: ['inherit', 'pipe', 'inherit'],
  })
  let buffered = ''
  let announced = false
  child.stdout.on('data', (chunk) => {
    process.stdout.write(chunk)
    if (announced) return
    buffered += chunk.toString()
    // serve.ts prints where it listens, then whether the app UI is served: announce after both.
    const m = /listening on (http:\/\/\S+)[^]*\n.*(the app|API only).*\n/.exec(buffered)
    if (!m) return
    announced = true
    const url = `${m[1].replace(/\/$/, '')}/`
    const opened = openBrowser(url)
    console.log(`\n  Tako VM Desktop is running: ${url}`)
    console.log(opened ? '  (opened in your browser; Ctrl+C stops it)\n' : '  Ctrl+C stops it\n')
  })
  // Ctrl+C reaches the server from the terminal; a SIGTERM sent to this process alone is passed on.
  let stopping = false
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      stopping = true
      if (child.exitCode === null) child.kill('SIGTERM')
    })
  }
  // Ended by a signal: a clean stop when we were asked to stop, else a failure.
  child.once('exit', (code, signal) => process.exit(code ?? (signal && stopping ? 0 : 1)))
}

async function main() {
  checkNode()
  await ensureDependencies()
  await prepare()
  if (await electronAvailable()) {
    const code = await run(process.execPath, [
      path.join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'),
      'preview',
    ])
    process.exit(code)
  }
  await startHeadless()
}

main().catch((err) => {
  console.error('[tako] npm start failed:', err)
  process.exit(1)
})
