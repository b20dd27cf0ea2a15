// The app's event subscription, for every transport that pushes AppEvents (IPC, SSE).
import type { AppEvent, DockerStatus, RunSummary } from '../../shared/api'
import type { RunEvent } from '../../shared/events'
import type { Core } from './core'
import { summarize } from './handlers'

/** One Docker ping, given up after 3 s. */
export async function dockerStatus(core: Core): Promise<DockerStatus> {
  try {
    const v = await Promise.race([
      core.client.ping(),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('Docker did not answer within 3 s')), 3000).unref(),
      ),
    ])
    const { runtimes } = core.engine
    return {
      available: true,
      version: v.version,
      error: null,
      gvisorAvailable: await runtimes.gvisorAvailable(),
      defaultRuntime: runtimes.defaultChoice,
      host: core.client.endpoint,
      transfer: core.engine.transfer,
      engine: v.engine ?? 'docker',
    }
  } catch (err) {
    return {
      available: false,
      version: null,
      error: (err as Error).message,
      host: core.client.endpoint,
      transfer: core.engine.transfer,
    }
  }
}

/** A run's stdin event as the app sees it (the same fields, no sequence number). */
function stdinAppEvent(e: Extract<RunEvent, { type: 'run.stdin' }>): AppEvent {
  switch (e.event) {
    case 'waiting':
      return { type: 'run.stdin', runId: e.runId, event: 'waiting', prompt: e.prompt }
    case 'sent':
      return { type: 'run.stdin', runId: e.runId, event: 'sent', text: e.text }
    default:
      return { type: 'run.stdin', runId: e.runId, event: 'eof' }
  }
}

/**
 * The app event stream: run output and status, history changes, environment build progress, and
 * Docker status changes (polled every few seconds, pushed only when they change).
 */
export function subscribeAppEvents(
  core: Core,
  listener: (e: AppEvent) => void,
  pollMs = 4000,
): () => void {
  const summaryOf = (id: string): RunSummary | null => {
    const record = core.store.get(id)
    return record ? summarize(record) : null
  }
  const offJobs = core.jobs.subscribe((e) => {
    if (e.type === 'run.output')
      listener({ type: 'run.output', runId: e.runId, stream: e.stream, text: e.text, seq: e.seq })
    else if (e.type === 'run.stdin') listener(stdinAppEvent(e))
    else {
      listener({ type: 'run.status', runId: e.runId, status: e.status, seq: e.seq })
      listener({ type: 'history.changed', runId: e.runId, summary: summaryOf(e.runId) })
    }
  })
  const offEnv = core.environments.subscribe((progress) =>
    listener({ type: 'env.build', progress }),
  )
  const offStore = core.store.onDelete((runId) =>
    listener({ type: 'history.changed', runId, summary: null }),
  )
  const offInsert = core.store.onInsert((runId) =>
    listener({ type: 'history.changed', runId, summary: summaryOf(runId) }),
  )
  let last = ''
  let stopped = false
  const poll = async (): Promise<void> => {
    const status = await dockerStatus(core)
    const key = JSON.stringify(status)
    if (!stopped && key !== last) {
      last = key
      listener({ type: 'docker.status', status })
    }
  }
  void poll()
  const timer = setInterval(() => void poll(), pollMs)
  timer.unref()
  return () => {
    stopped = true
    clearInterval(timer)
    offJobs()
    offEnv()
    offStore()
    offInsert()
  }
}
