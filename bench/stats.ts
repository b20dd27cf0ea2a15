export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0) return NaN
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[idx]
}

export function summary(label: string, values: number[]): string {
  return `${label.padEnd(34)} n=${values.length}  p50=${percentile(values, 50).toFixed(1)} ms  p95=${percentile(values, 95).toFixed(1)} ms`
}
