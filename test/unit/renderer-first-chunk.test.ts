// What the app's first chunk evaluates before the first screen: every module main.tsx reaches by
// static imports. zod (the contract's schemas) and CodeMirror (its own chunk, LazyCodeEditor.tsx)
// stay out of it: they were ≈45% of the code evaluated before the history was shown (bench/ui-history).
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const ENTRY = path.resolve('src/renderer/src/main.tsx')

/** The specifiers a module imports statically for its values (not `import type`, not `import()`). */
function staticImports(source: string): string[] {
  const found: string[] = []
  const re = /^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm
  for (const m of source.matchAll(re)) found.push(m[1])
  return found
}

function resolveLocal(from: string, spec: string): string | null {
  const base = path.resolve(path.dirname(from), spec)
  for (const c of [base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')]) {
    if (fs.existsSync(c) && fs.statSync(c).isFile()) return c
  }
  return null
}

/** Every package reached from `entry`, with the chain of modules that reaches it first. */
function packagesReached(entry: string): Map<string, string[]> {
  const packages = new Map<string, string[]>()
  const seen = new Set<string>([entry])
  const queue: Array<{ file: string; chain: string[] }> = [{ file: entry, chain: [] }]
  while (queue.length > 0) {
    const { file, chain } = queue.shift()!
    if (!/\.tsx?$/.test(file)) continue
    const here = [...chain, path.relative(process.cwd(), file)]
    for (const spec of staticImports(fs.readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) {
        const next = resolveLocal(file, spec)
        if (next === null) throw new Error(`${file}: cannot resolve ${spec}`)
        if (!seen.has(next)) {
          seen.add(next)
          queue.push({ file: next, chain: here })
        }
      } else {
        const name = spec.startsWith('@')
          ? spec.split('/').slice(0, 2).join('/')
          : spec.split('/')[0]
        if (!packages.has(name)) packages.set(name, here)
      }
    }
  }
  return packages
}

describe("the renderer's first chunk", () => {
  const reached = packagesReached(ENTRY)

  it('is found by the walk (react, the virtual list)', () => {
    expect(reached.has('react')).toBe(true)
    expect(reached.has('@tanstack/react-virtual')).toBe(true)
  })

  it('does not reach zod or CodeMirror', () => {
    const heavy = [...reached.entries()]
      .filter(
        ([name]) => name === 'zod' || name.startsWith('@codemirror/') || name.startsWith('@lezer/'),
      )
      .map(([name, chain]) => `${name} via ${chain.join(' → ')}`)
    expect(heavy).toEqual([])
  })
})
