import type { IncomingMessage, ServerResponse } from 'node:http'
import { HttpError, readBody } from './http-util'

export type Params = Record<string, string>
export type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  params: Params,
  url: URL,
) => Promise<void> | void

export interface Route {
  /** POST bodies are JSON unless a route takes raw bytes (application/octet-stream) or a zip. */
  body: 'json' | 'binary' | 'zip'
  method: string
  pattern: RegExp
  keys: string[]
  handler: Handler
}

/** `/jobs/{id}` matches one segment; `{path*}` matches the rest of the path. */
export function route(
  method: string,
  path: string,
  handler: Handler,
  body: 'json' | 'binary' | 'zip' = 'json',
): Route {
  const keys: string[] = []
  const pattern = new RegExp(
    '^' +
      path.replace(/\{(\w+)(\*)?\}/g, (_m, key: string, star?: string) => {
        keys.push(key)
        // `[\s\S]`, not `.`: a path may hold a newline (an artifact named "a\nb.txt").
        return star ? '([\\s\\S]+)' : '([^/]+)'
      }) +
      '$',
  )
  return { method, pattern, keys, handler, body }
}

/**
 * A POST of one zip (a run bundle, an exercise pack): the body, read up to `maxBytes` (413 past
 * it), goes to `take`; an error of class `Refused` from it is answered 422 with its reason.
 */
export function zipUpload(
  path: string,
  maxBytes: number,
  Refused: abstract new (reason: string) => Error,
  take: (body: Buffer, res: ServerResponse) => Promise<void>,
): Route {
  return route(
    'POST',
    path,
    async (req, res) => {
      const body = await readBody(req, maxBytes)
      try {
        await take(body, res)
      } catch (err) {
        if (err instanceof Refused) throw new HttpError(422, err.message)
        throw err
      }
    },
    'zip',
  )
}

export function queryInt(url: URL, name: string, def: number, min: number, max: number): number {
  return queryBounded(url, name, def, [min, max], {
    type: 'int_parsing',
    what: 'an integer',
    parses: (raw) => /^-?\d+$/.test(raw),
  })
}

export function queryNumber(url: URL, name: string, def: number, min: number, max: number): number {
  return queryBounded(url, name, def, [min, max], {
    type: 'float_parsing',
    what: 'a number',
    parses: (raw, n) => raw.trim() !== '' && Number.isFinite(n),
  })
}

/** Query parameter `name` as a number in [min, max] (`def` when absent), or FastAPI's 422. */
function queryBounded(
  url: URL,
  name: string,
  def: number,
  [min, max]: [number, number],
  kind: { type: string; what: string; parses: (raw: string, n: number) => boolean },
): number {
  const raw = url.searchParams.get(name)
  if (raw === null) return def
  const n = Number(raw)
  if (!kind.parses(raw, n) || n < min || n > max) {
    throw new HttpError(422, [
      {
        type: kind.type,
        loc: ['query', name],
        msg: `Input should be ${kind.what} between ${min} and ${max}`,
        input: raw,
      },
    ])
  }
  return n
}

export function queryBool(url: URL, name: string): boolean {
  const raw = url.searchParams.get(name)
  if (raw === null) return false
  if (/^(true|1|yes|on)$/i.test(raw)) return true
  if (/^(false|0|no|off)$/i.test(raw)) return false
  throw new HttpError(422, [
    {
      type: 'bool_parsing',
      loc: ['query', name],
      msg: 'Input should be a valid boolean',
      input: raw,
    },
  ])
}
