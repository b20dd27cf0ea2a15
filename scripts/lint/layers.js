// A local ESLint rule: imports under src/ point down the layers.
import path from 'node:path'

// One-way layers (see docs/architecture.md, 'Layers'): a module may import its own layer and the
// layers of a lower rank, never a higher rank or a sibling of the same rank. Renderer and preload
// import only `shared`.
const SRC = path.join(import.meta.dirname, '..', '..', 'src')
export const LAYERS = [
  { name: 'shared', rank: 0, dir: 'shared' },
  { name: 'paths', rank: 1, file: 'main/paths.ts' },
  { name: 'engine', rank: 2, dir: 'main/engine' },
  { name: 'store', rank: 3, dir: 'main/store' },
  { name: 'environments', rank: 3, dir: 'main/environments' },
  { name: 'jobs', rank: 4, dir: 'main/jobs' },
  { name: 'app', rank: 5, dir: 'main/app' },
  { name: 'server', rank: 6, dir: 'main/server' },
  { name: 'electron', rank: 6, dir: 'main/electron' },
  { name: 'entry', rank: 7, file: 'main/index.ts' },
  { name: 'entry', rank: 7, file: 'main/serve.ts' },
  { name: 'renderer', rank: 1, dir: 'renderer', only: ['shared'] },
  { name: 'preload', rank: 1, dir: 'preload', only: ['shared'] },
]

/** A module under src/ that belongs to no layer. */
const UNLAYERED = { name: 'no layer', rank: -1 }

/** The layer of a file: null outside src/, UNLAYERED for a file of src/ in no layer. */
function layerOf(file) {
  const rel = path.relative(SRC, file).split(path.sep).join('/')
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null
  return (
    LAYERS.find((l) =>
      l.file ? rel === l.file || rel === l.file.replace(/\.ts$/, '') : rel.startsWith(`${l.dir}/`),
    ) ?? UNLAYERED
  )
}

/** Why `from` may not import `to`, or null when it may. */
export function layerViolation(from, to) {
  if (!from || !to || from.name === to.name) return null
  if (from === UNLAYERED || to === UNLAYERED) return 'every module of src/ belongs to a layer'
  if (from.only)
    return from.only.includes(to.name) ? null : `${from.name} imports only ${from.only.join(', ')}`
  if (to.only) return `${to.name} is not imported by ${from.name}`
  if (to.rank > from.rank) return `${from.name} may not import the higher layer ${to.name}`
  if (to.rank === from.rank) return `${from.name} may not import its sibling layer ${to.name}`
  return null
}

export const layersPlugin = {
  rules: {
    'one-way': {
      meta: {
        type: 'problem',
        docs: { description: 'Imports point down the layers of src/ (docs/architecture.md)' },
        schema: [],
        messages: {
          upward: "Import of '{{source}}' points the wrong way: {{why}}.",
          unlayered:
            'This module of src/ belongs to no layer: move it into one (docs/architecture.md).',
        },
      },
      create(context) {
        const from = layerOf(context.filename)
        function check(node) {
          const source = node.source?.value
          if (!from || from === UNLAYERED) return
          if (typeof source !== 'string' || !source.startsWith('.')) return
          const to = layerOf(path.resolve(path.dirname(context.filename), source))
          const why = layerViolation(from, to)
          if (why) context.report({ node: node.source, messageId: 'upward', data: { source, why } })
        }
        return {
          Program(node) {
            if (from === UNLAYERED) context.report({ node, messageId: 'unlayered' })
          },
          ImportDeclaration: check,
          ExportNamedDeclaration: check,
          ExportAllDeclaration: check,
          ImportExpression: check,
        }
      },
    },
  },
}
