// What `npm start` and `npm test` do before anything else, in plain Node with no dependencies:
// check Node, install the dependencies when they are missing or stale, then hand over to the
// TypeScript side (scripts/prepare.ts: Docker, the default environment).
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import process from 'node:process'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
const NODE_MODULES = path.join(ROOT, 'node_modules')
const LOCKFILE = path.join(ROOT, 'package-lock.json')
/** sha256 of the package-lock.json the dependencies were installed from. */
const STAMP = path.join(NODE_MODULES, '.tako-lock-sha256')
export const TSX = path.join(NODE_MODULES, 'tsx', 'dist', 'cli.mjs')

export function log(message) {
  console.log(`[tako] ${message}`)
}

export function fail(message, code = 1) {
  console.error(`[tako] ${message}`)
  process.exit(code)
}

/** Node ≥ 20.19 (package.json's engines), or a clear message. */
export function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number)
  if (major < 20 || (major === 20 && minor < 19)) {
    fail(`Node.js ${process.versions.node} is too old: install Node.js 20.19 or newer (nodejs.org)`)
  }
}

/** Runs a command with the terminal attached; resolves with its exit code. */
export function run(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit', ...options })
    child.once('error', (err) => {
      console.error(`[tako] could not run ${command}: ${err.message}`)
      resolve(127)
    })
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)))
  })
}

/** npm as the one running this script (`npm_execpath`), else `npm` from the PATH. */
export function npm(args, options = {}) {
  const execpath = process.env.npm_execpath
  if (execpath && /\.[cm]?js$/.test(execpath)) {
    return run(process.execPath, [execpath, ...args], options)
  }
  return run(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, {
    shell: process.platform === 'win32',
    ...options,
  })
}

/** Runs a TypeScript file of this repository through tsx (after the dependencies are in). */
export function tsx(file, args = [], options = {}) {
  return run(process.execPath, [TSX, file, ...args], options)
}

function lockHash() {
  return createHash('sha256').update(fs.readFileSync(LOCKFILE)).digest('hex')
}

/** Why the dependencies need installing, or null when they match package-lock.json. */
export function dependenciesStale() {
  if (!fs.existsSync(NODE_MODULES)) return 'node_modules is missing'
  if (!fs.existsSync(TSX)) return 'node_modules is incomplete'
  let stamp
  try {
    stamp = fs.readFileSync(STAMP, 'utf8').trim()
  } catch {
    // No stamp: installed by hand. npm's own record of the install must be newer than the lockfile.
    const hidden = path.join(NODE_MODULES, '.package-lock.json')
    if (fs.existsSync(hidden) && fs.statSync(hidden).mtimeMs >= fs.statSync(LOCKFILE).mtimeMs) {
      return null
    }
    return 'node_modules is older than package-lock.json'
  }
  return stamp === lockHash() ? null : 'package-lock.json changed since the last install'
}

/**
 * `npm ci` when the dependencies are missing or stale. Electron's binary is never downloaded here
 * (`ELECTRON_SKIP_BINARY_DOWNLOAD=1`): where no download can work the install would fail; `npm start`
 * fetches it separately when it can use it (a display) and falls back to the browser when it cannot.
 */
export async function ensureDependencies() {
  const reason = dependenciesStale()
  if (reason === null) return
  if (fs.existsSync(NODE_MODULES) && fs.lstatSync(NODE_MODULES).isSymbolicLink()) {
    log(`${reason}, but node_modules is a link to another folder: not reinstalling it`)
    return
  }
  log(`${reason}: installing dependencies with npm ci (about a minute the first time)…`)
  const started = Date.now()
  const code = await npm(['ci', '--no-audit', '--no-fund', '--prefer-offline'], {
    env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
  })
  if (code !== 0) fail(`npm ci failed (exit ${code}); see its output above`, code)
  fs.writeFileSync(STAMP, `${lockHash()}\n`)
  log(`dependencies installed in ${Math.round((Date.now() - started) / 1000)} s`)
}

/** Docker reachable and the default environment built (scripts/prepare.ts); exits on failure. */
export async function prepare() {
  const code = await tsx(path.join('scripts', 'prepare.ts'))
  if (code !== 0) process.exit(code)
}
