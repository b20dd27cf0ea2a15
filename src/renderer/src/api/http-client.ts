import type { AppEvent, Args, Envelope, Method, TakoApi, TakoClient } from '../../../shared/api'
import { TakoCallError } from '../../../shared/call-error'

/** The contract over HTTP: `POST /api/rpc/<method>` with the one error envelope, events over SSE. */
export function createHttpClient(base = ''): TakoClient {
  const listeners = new Set<(e: AppEvent) => void>()
  let source: EventSource | null = null

  function connect(): void {
    if (source) return
    source = new EventSource(`${base}/api/events`)
    source.onmessage = (msg: MessageEvent<string>) => {
      let event: AppEvent
      try {
        event = JSON.parse(msg.data) as AppEvent
      } catch {
        return
      }
      for (const l of listeners) l(event)
    }
    source.onerror = () => {
      // EventSource reconnects by itself; tell the UI the server is unreachable meanwhile.
      if (source?.readyState === EventSource.CONNECTING) {
        for (const l of listeners) {
          l({
            type: 'docker.status',
            status: {
              available: false,
              version: null,
              error: 'The Tako VM server is not reachable',
            },
          })
        }
      }
    }
  }

  return {
    async call<M extends Method>(method: M, args: Args<M>): Promise<TakoApi[M]> {
      let res: Response
      try {
        res = await fetch(`${base}/api/rpc/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(args),
        })
      } catch {
        throw new TakoCallError('unreachable', 'The Tako VM server is not reachable')
      }
      if (!res.ok) throw new TakoCallError(`http_${res.status}`, await res.text())
      const envelope = (await res.json()) as Envelope<TakoApi[M]>
      if (!envelope.ok) throw new TakoCallError(envelope.error.code, envelope.error.message)
      return envelope.value
    },
    subscribe(listener) {
      listeners.add(listener)
      connect()
      return () => {
        listeners.delete(listener)
        if (listeners.size === 0) {
          source?.close()
          source = null
        }
      }
    },
    bundleUrl(runId) {
      return `${base}/executions/${encodeURIComponent(runId)}/bundle`
    },
    async importBundle(file) {
      const body = await postZip(`${base}/executions/import`, file)
      if (typeof body.execution_id !== 'string') throw unexpectedReply()
      return { id: body.execution_id, originalId: body.original_id ?? '' }
    },
    async importExercise(file) {
      // POST /exercises takes the zip as it is: /api/rpc's 2 MiB body would refuse a larger pack.
      const body = await postZip(`${base}/exercises`, file)
      if (typeof body.id !== 'string') throw unexpectedReply()
      return { id: body.id }
    },
    artifactUrl(runId, path, inline = false) {
      const encoded = path.split('/').map(encodeURIComponent).join('/')
      return `${base}/jobs/${encodeURIComponent(runId)}/artifacts/${encoded}${inline ? '?inline=1' : ''}`
    },
    inputFileUrl(runId, name, inline = false) {
      return `${base}/jobs/${encodeURIComponent(runId)}/input-files/${encodeURIComponent(name)}${inline ? '?inline=1' : ''}`
    },
    async previewUrl(runId, path) {
      const q = new URLSearchParams({ run: runId, path })
      const res = await fetch(`${base}/api/preview-url?${q.toString()}`)
      if (!res.ok) throw new TakoCallError(`http_${res.status}`, await res.text())
      return `${base}${((await res.json()) as { url: string }).url}`
    },
  }
}

/** POSTs a zip; the 201 reply's body, or the server's reason as a TakoCallError. */
async function postZip(
  url: string,
  file: Blob,
): Promise<{ id?: unknown; execution_id?: unknown; original_id?: string }> {
  let res: Response
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/zip' },
      body: file,
    })
  } catch {
    throw new TakoCallError('unreachable', 'The Tako VM server is not reachable')
  }
  const body = (await res.json().catch(() => ({}))) as {
    id?: unknown
    execution_id?: unknown
    original_id?: string
    detail?: unknown
  }
  if (res.status !== 201) {
    const detail = typeof body.detail === 'string' ? body.detail : `HTTP ${res.status}`
    throw new TakoCallError(res.status === 422 ? 'invalid_argument' : `http_${res.status}`, detail)
  }
  return body
}

function unexpectedReply(): TakoCallError {
  return new TakoCallError('internal', 'The Tako VM server gave an unexpected reply')
}
