/** The default input-wait ceiling: how long, in total, a run may wait for the user's input. */
export const DEFAULT_INPUT_WAIT_MS = 10 * 60_000

/** `TAKO_INPUT_WAIT_S` (seconds, ≥ 1) as ms, else the default (see docs/run-contract.md, 'Standard input'). */
export function inputWaitMsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const s = Number(env.TAKO_INPUT_WAIT_S)
  return Number.isFinite(s) && s >= 1 ? Math.round(s * 1000) : DEFAULT_INPUT_WAIT_MS
}
