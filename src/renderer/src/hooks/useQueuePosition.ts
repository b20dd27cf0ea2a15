import { useEffect, useState } from 'react'
import { client } from '../api/client'

/**
 * The place of queued run `id` in the order waiting runs start (1 = next), kept current: asked
 * again whenever any run changes state (that is when places move), one request at a time, the
 * newest answer shown. Null when the run is not queued or the place is not known yet.
 */
export function useQueuePosition(id: string | null, queued: boolean): number | null {
  const [position, setPosition] = useState<number | null>(null)
  useEffect(() => {
    setPosition(null)
    if (!id || !queued) return
    let live = true
    let asking = false
    let again = false
    const ask = (): void => {
      if (asking) {
        again = true
        return
      }
      asking = true
      client
        .call('runs:get', { id })
        .then(
          (d) => live && setPosition(d.queuePosition ?? null),
          () => undefined,
        )
        .finally(() => {
          asking = false
          if (again && live) {
            again = false
            ask()
          }
        })
    }
    ask()
    const off = client.subscribe((e) => {
      if (e.type === 'run.status' || e.type === 'history.changed') ask()
    })
    return () => {
      live = false
      off()
    }
  }, [id, queued])
  return position
}
