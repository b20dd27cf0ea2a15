/**
 * Markdown artifacts rendered as text would be: markdown-it with raw HTML off (a `<script>` or
 * `<img onerror>` in the file is shown as text), links opened outside the app, and images only when
 * they name a file of the same run (resolved against the Markdown file's folder); any other image
 * is shown as its alt text. Pure: the page's policy still applies on top (no inline script runs).
 */
import MarkdownIt from 'markdown-it'

export function renderMarkdown(
  source: string,
  options: { fileName: string; artifactUrl: (name: string) => string | null },
): string {
  const md = new MarkdownIt({ html: false, linkify: false, typographer: false })
  const folder = options.fileName.includes('/')
    ? options.fileName.slice(0, options.fileName.lastIndexOf('/') + 1)
    : ''
  md.renderer.rules.link_open = (tokens, idx, opts, _env, self) => {
    const token = tokens[idx]
    token?.attrSet('target', '_blank')
    token?.attrSet('rel', 'noopener noreferrer')
    return self.renderToken(tokens, idx, opts)
  }
  md.renderer.rules.image = (tokens, idx) => {
    const token = tokens[idx]
    const alt = md.utils.escapeHtml(token?.content ?? '')
    const src = String(token?.attrGet('src') ?? '')
    const url = /^[a-z][a-z0-9+.-]*:|^\/|^\\\\/i.test(src) ? null : resolveRelative(folder, src)
    const resolved = url === null ? null : options.artifactUrl(url)
    if (resolved === null) return `<span class="md-missing-image">[image: ${alt}]</span>`
    return `<img src="${md.utils.escapeHtml(resolved)}" alt="${alt}">`
  }
  return md.render(source)
}

/** `folder` + a relative path, `..` and `.` applied; null when it climbs out of the run's files. */
function resolveRelative(folder: string, rel: string): string | null {
  let path: string
  try {
    path = decodeURIComponent(rel.split(/[?#]/)[0] ?? '')
  } catch {
    return null
  }
  const out: string[] = folder.split('/').filter(Boolean)
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') {
      if (out.length === 0) return null
      out.pop()
    } else out.push(part)
  }
  return out.length ? out.join('/') : null
}
