/** Reads at most `max` bytes of the file: a 1 GiB artifact costs no more than a 1 MiB one. */
export async function readHead(url: string, max: number): Promise<string> {
  const r = await fetch(url)
  if (!r.ok) throw new Error(`HTTP ${r.status}`)
  if (!r.body) return new TextDecoder().decode((await r.arrayBuffer()).slice(0, max))
  const reader = r.body.getReader()
  const parts: Uint8Array[] = []
  let read = 0
  while (read < max) {
    const { done, value } = await reader.read()
    if (done) break
    parts.push(value.subarray(0, max - read))
    read += Math.min(value.byteLength, max - read)
  }
  await reader.cancel().catch(() => undefined) // the rest is not wanted; a failed cancel changes nothing
  const bytes = new Uint8Array(read)
  let at = 0
  for (const p of parts) {
    bytes.set(p, at)
    at += p.byteLength
  }
  return new TextDecoder().decode(bytes)
}
