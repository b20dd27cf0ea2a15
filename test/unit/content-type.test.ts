import { describe, it, expect } from 'vitest'
import { contentTypeFor } from '../../src/main/engine/content-type'

describe('contentTypeFor', () => {
  it('maps the common artifact extensions', () => {
    const cases: [string, string][] = [
      ['plot.png', 'image/png'],
      ['photo.jpg', 'image/jpeg'],
      ['photo.jpeg', 'image/jpeg'],
      ['chart.svg', 'image/svg+xml'],
      ['report.pdf', 'application/pdf'],
      ['result.json', 'application/json'],
      ['table.csv', 'text/csv'],
      ['table.tsv', 'text/tab-separated-values'],
      ['notes.txt', 'text/plain'],
      ['run.log', 'text/plain'],
      ['page.html', 'text/html'],
      ['page.htm', 'text/html'],
      ['config.yml', 'application/yaml'],
      ['data.parquet', 'application/vnd.apache.parquet'],
      ['archive.tar.gz', 'application/gzip'],
    ]
    for (const [name, type] of cases) expect(contentTypeFor(name), name).toBe(type)
  })

  it('ignores the case of the extension', () => {
    expect(contentTypeFor('PLOT.PNG')).toBe('image/png')
    expect(contentTypeFor('Table.Csv')).toBe('text/csv')
  })

  it('uses only the last path component', () => {
    expect(contentTypeFor('plots.png/data')).toBe('application/octet-stream')
    expect(contentTypeFor('a.dir/b/c.json')).toBe('application/json')
  })

  it('falls back to application/octet-stream', () => {
    expect(contentTypeFor('Makefile')).toBe('application/octet-stream')
    expect(contentTypeFor('binary.exe')).toBe('application/octet-stream')
    expect(contentTypeFor('trailing.')).toBe('application/octet-stream')
    expect(contentTypeFor('')).toBe('application/octet-stream')
  })

  it('treats a dotfile name as having no extension', () => {
    expect(contentTypeFor('.json')).toBe('application/octet-stream')
    expect(contentTypeFor('dir/.html')).toBe('application/octet-stream')
  })

  it('does not resolve names that merely contain a known type', () => {
    expect(contentTypeFor('png')).toBe('application/octet-stream')
    expect(contentTypeFor('evil.html.exe')).toBe('application/octet-stream')
    expect(contentTypeFor('toString')).toBe('application/octet-stream')
    expect(contentTypeFor('x.constructor')).toBe('application/octet-stream')
    expect(contentTypeFor('x.__proto__')).toBe('application/octet-stream')
  })
})
