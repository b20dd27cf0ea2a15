import { useEffect, useRef, type RefObject } from 'react'

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), iframe, [tabindex]:not([tabindex="-1"])'

/**
 * A modal's keyboard rules, for every dialog of the app: focus moves into it when it opens, Tab and
 * Shift+Tab stay inside it, focus that leaves it (a click on the backdrop) comes back, Esc closes it
 * (and the app's own Esc, stop the run, never sees it), and focus goes back to what had it before
 * (the button that opened it).
 */
export function useModal(onClose: () => void): RefObject<HTMLDivElement | null> {
  const ref = useRef<HTMLDivElement | null>(null)
  const close = useRef(onClose)
  close.current = onClose
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null
    const box = ref.current
    const focusables = (): HTMLElement[] =>
      box ? [...box.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((e) => e.offsetParent) : []
    ;(
      box?.querySelector<HTMLElement>('[autofocus], [data-autofocus]') ??
      focusables()[0] ??
      box
    )?.focus()
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') {
        e.preventDefault()
        e.stopPropagation()
        close.current()
        return
      }
      if (e.key !== 'Tab' || !box) return
      const list = focusables()
      const first = list[0]
      const last = list.at(-1)
      if (!first || !last) {
        e.preventDefault()
        return
      }
      const active = document.activeElement
      if (e.shiftKey && (active === first || !box.contains(active))) {
        e.preventDefault()
        last.focus()
      } else if (!e.shiftKey && (active === last || !box.contains(active))) {
        e.preventDefault()
        first.focus()
      }
    }
    const keepInside = (e: FocusEvent): void => {
      if (box && e.target instanceof Node && !box.contains(e.target))
        (focusables()[0] ?? box).focus()
    }
    document.addEventListener('keydown', onKey, true)
    document.addEventListener('focusin', keepInside)
    return () => {
      document.removeEventListener('keydown', onKey, true)
      document.removeEventListener('focusin', keepInside)
      if (opener?.isConnected) opener.focus()
    }
  }, [])
  return ref
}
