import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { RunLimits } from '../../shared/run'
import { MiB } from '../../shared/units'
import { DEFAULT_LIMITS } from '../engine/limits'
import { findUp } from '../paths'

export interface EnvironmentDef {
  name: string
  description: string
  packages: string[]
  /** Tako VM's job-type defaults for this environment. */
  defaults: Pick<RunLimits, 'timeoutMs' | 'memoryBytes' | 'cpus'>
}

/** Tako VM's built-in job types (reference/tako-vm.md §4), same names and default limits. */
export const ENVIRONMENTS: readonly EnvironmentDef[] = [
  {
    name: 'default',
    description: 'Python 3 with the standard library',
    packages: [],
    defaults: { timeoutMs: DEFAULT_LIMITS.timeoutMs, memoryBytes: 512 * MiB, cpus: 1 },
  },
  {
    name: 'data-processing',
    description: 'Python 3 with numpy, pandas and matplotlib',
    packages: ['numpy', 'pandas', 'matplotlib'],
    defaults: { timeoutMs: 60_000, memoryBytes: 1024 * MiB, cpus: 2 },
  },
  {
    name: 'ml-inference',
    description: 'Python 3 with numpy and scikit-learn',
    packages: ['numpy', 'scikit-learn'],
    defaults: { timeoutMs: 120_000, memoryBytes: 2048 * MiB, cpus: 2 },
  },
]

/** A memory limit as Tako VM's job types spell it: `512m`, `1g`, `2g` (whole GiB in `g`). */
export function takoMemoryLimit(bytes: number): string {
  const mib = Math.round(bytes / MiB)
  return mib % 1024 === 0 ? `${mib / 1024}g` : `${mib}m`
}

export const LABEL_RECIPE = 'app.tako-vm-desktop.recipe-hash'
export const LABEL_ENVIRONMENT = 'app.tako-vm-desktop.environment'

/** `resources/environments`, found from the source or build location, or `$TAKO_RESOURCES_DIR`. */
export function environmentsDir(): string {
  const fromEnv = process.env.TAKO_RESOURCES_DIR
  if (fromEnv) return path.join(fromEnv, 'environments')
  return findUp(path.join('resources', 'environments'))
}

/** Import names of packages whose import name differs from the package name. */
const IMPORT_NAMES: Readonly<Record<string, string>> = { 'scikit-learn': 'sklearn' }

/** Environments whose image has a top-level module (by import name), for error hints. */
export function environmentsWithModule(module: string): string[] {
  return ENVIRONMENTS.filter((e) => e.packages.some((p) => (IMPORT_NAMES[p] ?? p) === module)).map(
    (e) => e.name,
  )
}

export function findEnvironment(name: string): EnvironmentDef | undefined {
  return ENVIRONMENTS.find((e) => e.name === name)
}

/** sha256 over every file of the recipe folder (names and bytes), in sorted order. */
export function recipeHash(name: string, root = environmentsDir()): string {
  const dir = path.join(root, name)
  const hash = createHash('sha256')
  const files = fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)))
    .sort()
  for (const f of files) {
    hash
      .update(f)
      .update('\0')
      .update(fs.readFileSync(path.join(dir, f)))
      .update('\0')
  }
  return hash.digest('hex')
}

/** The image tag the engine runs for an environment: its recipe hash makes a changed recipe a new image. */
export function imageRef(name: string, root = environmentsDir()): string {
  return `tako-vm/${name}:${recipeHash(name, root).slice(0, 12)}`
}
