import type { ContainerClient } from './docker-client'
import type { InputWaitClock } from './watchdog'

/** The default input-wait ceiling: how long, in total, a run may wait for the user's input. */
export const DEFAULT_INPUT_WAIT_MS = 10 * 60_000

/** `TAKO_INPUT_WAIT_S` (seconds, ≥ 1) as ms, else the default (see docs/run-contract.md, 'Standard input'). */
export function inputWaitMsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const s = Number(env.TAKO_INPUT_WAIT_S)
  return Number.isFinite(s) && s >= 1 ? Math.round(s * 1000) : DEFAULT_INPUT_WAIT_MS
}

/** The clock of a run in `containerId`: CPU time from Docker counts while it waits for input. */
export function inputWaitClock(
  client: ContainerClient,
  containerId: string,
  inputWaitMs: number,
): InputWaitClock {
  const cpuTimeNs = client.cpuTimeNs?.bind(client)
  return { inputWaitMs, ...(cpuTimeNs ? { cpuNs: () => cpuTimeNs(containerId) } : {}) }
}
