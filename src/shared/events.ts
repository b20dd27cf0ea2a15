import type { RunStatus, OutputStream } from './run'

/** Everything the main process pushes to listeners (renderer, SSE clients). Each carries its run id. */
export type RunEvent =
  | { type: 'run.output'; runId: string; stream: OutputStream; text: string; seq: number }
  | { type: 'run.status'; runId: string; status: RunStatus; seq: number }
  /** Live standard input of an interactive run (see docs/run-contract.md, 'Standard input'). */
  | { type: 'run.stdin'; runId: string; event: 'waiting'; prompt: string; seq: number }
  | { type: 'run.stdin'; runId: string; event: 'sent'; text: string; seq: number }
  | { type: 'run.stdin'; runId: string; event: 'eof'; seq: number }
