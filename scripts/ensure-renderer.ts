// Builds the renderer (out/renderer) when it is missing or older than its sources, so `npm run serve`
// always serves the current app. Quick no-op when up to date.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')
const built = path.join(root, 'out', 'renderer', 'index.html')

function newest(dir: string): number {
  let max = 0
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile())
      max = Math.max(max, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs)
  }
  return max
}

const sources = Math.max(
  newest(path.join(root, 'src', 'renderer')),
  newest(path.join(root, 'src', 'shared')),
)
const current = fs.existsSync(built) ? fs.statSync(built).mtimeMs : 0
if (current < sources) {
  console.log('[tako] building the app UI (out/renderer)…')
  execFileSync(
    process.execPath,
    [path.join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  )
}
