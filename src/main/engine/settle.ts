/** Waits for `p`, at most `ms`. */
export async function settle(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([p, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))])
  clearTimeout(timer)
}

export function round(ms: number): number {
  return Math.round(ms * 10) / 10
}
