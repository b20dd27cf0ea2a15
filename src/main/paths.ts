import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The first `relative` found walking up from this module (source tree or build output), else cwd-relative. */
export function findUp(relative: string): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, relative)
    if (fs.existsSync(candidate)) return candidate
    dir = path.dirname(dir)
  }
  return path.resolve(relative)
}
