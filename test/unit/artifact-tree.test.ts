import { describe, expect, it } from 'vitest'
import { treeRows, type TreeRow } from '../../src/renderer/src/artifact-tree'
import type { ArtifactInfo } from '../../src/shared/run'

const file = (name: string): ArtifactInfo => ({
  name,
  sizeBytes: 1,
  sha256: 'x',
  contentType: 'text/plain',
})
const show = (rows: TreeRow[]): string[] =>
  rows.map((r) =>
    r.kind === 'folder'
      ? `${'  '.repeat(r.depth)}${r.name}/ (${r.files})`
      : `${'  '.repeat(r.depth)}${r.name}`,
  )

const files = [
  'b.txt',
  'plots/a.png',
  'plots/deep/x.csv',
  'plots/deep/y.csv',
  'a.txt',
  'z/1.txt',
].map(file)

describe('treeRows', () => {
  it('puts each folder once before its contents, with the files it holds', () => {
    expect(show(treeRows(files, new Set()))).toEqual([
      'a.txt',
      'b.txt',
      'plots/ (3)',
      '  a.png',
      '  deep/ (2)',
      '    x.csv',
      '    y.csv',
      'z/ (1)',
      '  1.txt',
    ])
  })

  it('hides what is under a collapsed folder, nested folders included', () => {
    expect(show(treeRows(files, new Set(['plots'])))).toEqual([
      'a.txt',
      'b.txt',
      'plots/ (3)',
      'z/ (1)',
      '  1.txt',
    ])
    expect(show(treeRows(files, new Set(['plots/deep'])))).toEqual([
      'a.txt',
      'b.txt',
      'plots/ (3)',
      '  a.png',
      '  deep/ (2)',
      'z/ (1)',
      '  1.txt',
    ])
  })

  it('is one pass over 10,000 files', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => file(`d${i % 10}/f${i}.txt`))
    const rows = treeRows(many, new Set(['d3']))
    expect(rows.filter((r) => r.kind === 'folder')).toHaveLength(10)
    expect(rows.filter((r) => r.kind === 'file')).toHaveLength(9_000)
  })
})
