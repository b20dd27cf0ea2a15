import type { Page } from 'playwright-core'
import type { AppEvent } from '../../src/shared/api'
import { isTerminal } from '../../src/shared/run'

/**
 * Listens to the server's event stream (`GET /api/events`, the one the app uses) from the test
 * process. `until(predicate)` resolves with the first event that matches, counting events seen since
 * the listener was opened.
 */
export async function listenToEvents(serverUrl: string): Promise<{
  until(p: (e: AppEvent) => boolean, timeout?: number): Promise<AppEvent>
  close(): void
}> {
  const abort = new AbortController()
  const res = await fetch(`${serverUrl}/api/events`, { signal: abort.signal })
  if (!res.ok || !res.body) throw new Error(`GET /api/events: HTTP ${res.status}`)
  const seen: AppEvent[] = []
  const waiters = new Set<() => void>()
  void (async () => {
    const decoder = new TextDecoder()
    let buffered = ''
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true })
        let end: number
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const frame = buffered.slice(0, end)
          buffered = buffered.slice(end + 2)
          const data = frame
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trimStart())
            .join('\n')
          if (data) seen.push(JSON.parse(data) as AppEvent)
        }
        for (const w of waiters) w()
      }
    } catch {
      // closed
    }
  })()
  return {
    until(p, timeout = 60_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const hit = seen.find(p)
          if (!hit) return
          waiters.delete(check)
          clearTimeout(timer)
          resolve(hit)
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`no matching event within ${timeout} ms`))
        }, timeout)
        waiters.add(check)
        check()
      })
    },
    close: () => abort.abort(),
  }
}

/**
 * Holds the reply of one RPC method that starts a run (`runs:start`, `runs:rerun`) back until the
 * server has sent the run's events up to `upTo` ('first-output' or 'end'), then a little longer so
 * the page has surely received them too: the order a busy machine can produce, made certain.
 */
export async function replyAfterRunEvents(
  page: Page,
  serverUrl: string,
  method: 'runs:start' | 'runs:rerun',
  upTo: 'first-output' | 'end',
): Promise<void> {
  await page.route(`**/api/rpc/${method}`, async (route) => {
    const events = await listenToEvents(serverUrl)
    try {
      const response = await route.fetch()
      const body = (await response.json()) as { ok: boolean; value?: { id: string } }
      const id = body.value?.id
      if (id) {
        await events.until((e) =>
          upTo === 'end'
            ? e.type === 'run.status' && e.runId === id && isTerminal(e.status)
            : e.type === 'run.output' && e.runId === id,
        )
        await new Promise((r) => setTimeout(r, 500))
      }
      await route.fulfill({ response, json: body })
    } finally {
      events.close()
    }
  })
}
