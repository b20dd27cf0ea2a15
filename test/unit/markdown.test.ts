import { describe, expect, it } from 'vitest'
import { renderMarkdown } from '../../src/renderer/src/markdown'

const files = new Set(['notes/chart.png', 'top.png'])
const render = (src: string, fileName = 'notes/README.md'): string =>
  renderMarkdown(src, {
    fileName,
    artifactUrl: (name) => (files.has(name) ? `/jobs/r1/artifacts/${name}` : null),
  })

describe('renderMarkdown', () => {
  it('renders headings, lists, code and tables', () => {
    const html = render('# Title\n\n- a\n- b\n\n`x`\n\n| h |\n|---|\n| c |\n')
    expect(html).toContain('<h1>Title</h1>')
    expect(html).toContain('<li>a</li>')
    expect(html).toContain('<code>x</code>')
    expect(html).toContain('<td>c</td>')
  })

  it('never lets raw HTML through: scripts and handlers are text', () => {
    const html = render('<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>')
    expect(html).not.toContain('<script')
    expect(html).not.toContain('<img src=x')
    expect(html).toContain('&lt;script&gt;')
  })

  it('refuses javascript: links and opens others outside the app', () => {
    expect(render('[x](javascript:alert(1))')).not.toContain('href="javascript:')
    expect(render('[site](https://example.com)')).toContain(
      '<a href="https://example.com" target="_blank" rel="noopener noreferrer">site</a>',
    )
  })

  it("shows images of the same run only, resolved against the file's folder", () => {
    expect(render('![c](chart.png)')).toContain(
      '<img src="/jobs/r1/artifacts/notes/chart.png" alt="c">',
    )
    expect(render('![t](../top.png)')).toContain('src="/jobs/r1/artifacts/top.png"')
    for (const src of [
      '../../etc/passwd',
      'http://example.com/x.png',
      '/jobs/other/artifacts/a.png',
      'missing.png',
      'data:image/png;base64,AAAA',
    ])
      expect(render(`![a](${src})`), src).toContain('[image: a]')
  })
})
