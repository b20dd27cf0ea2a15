import { useMemo, type JSX } from 'react'
import { renderMarkdown } from '../../markdown'

/**
 * An exercise's instructions: Markdown with raw HTML off (see markdown.ts), links opened outside
 * the app; a pack's images are not served, so an image shows as its alt text.
 */
export function Instructions({ source, label }: { source: string; label: string }): JSX.Element {
  const html = useMemo(
    () => renderMarkdown(source, { fileName: 'instructions.md', artifactUrl: () => null }),
    [source],
  )
  return (
    <div
      className="markdown-body exercise-instructions"
      aria-label={label}
      role="region"
      // markdown-it with HTML off: everything from the pack is escaped text or our own tags.
      dangerouslySetInnerHTML={{ __html: html }}
    />
  )
}
