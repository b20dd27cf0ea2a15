import type { RunStatus, OutputStream } from './run'

/** Everything the main process pushes to listeners (renderer, SSE clients). Each carries its run id. */
export type RunEvent =
  | { type: 'run.output'; runId: string; stream: OutputStream; text: string; seq: number }
  | { type: 'run.status'; runId: string; status: RunStatus; seq: number }
