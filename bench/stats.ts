export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0) return NaN
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[idx]
}

export function summary(label: string, values: number[]): string {
  return `${label.padEnd(34)} n=${values.length}  p50=${percentile(values, 50).toFixed(1)} ms  p95=${percentile(values, 95).toFixed(1)} ms`
}

/** Runs `run` while sampling this process's RSS every 5 ms; the growth over the start, in MiB. */
export async function peakRssGrowth(run: () => Promise<unknown>): Promise<number> {
  global.gc?.()
  const base = process.memoryUsage().rss
  let peak = base
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss)
  }, 5)
  await run()
  clearInterval(timer)
  peak = Math.max(peak, process.memoryUsage().rss)
  return (peak - base) / (1024 * 1024)
}
