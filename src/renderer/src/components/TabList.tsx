import type { JSX } from 'react'

/** A row of tabs (`role="tablist"`): the selected one is `aria-selected` and has class `active`. */
export function TabList<T extends string>({
  className,
  label,
  tabs,
  selected,
  onSelect,
  labelOf,
}: {
  className: string
  /** The tab list's accessible name. */
  label: string
  tabs: readonly T[]
  selected: T
  onSelect: (tab: T) => void
  /** What a tab says. */
  labelOf: (tab: T) => string
}): JSX.Element {
  return (
    <div className={className} role="tablist" aria-label={label}>
      {tabs.map((t) => (
        <button
          key={t}
          type="button"
          role="tab"
          aria-selected={selected === t}
          className={selected === t ? 'active' : ''}
          onClick={() => onSelect(t)}
        >
          {labelOf(t)}
        </button>
      ))}
    </div>
  )
}
