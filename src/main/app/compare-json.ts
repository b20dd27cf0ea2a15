// Structural diff of two JSON texts by JSON path (see docs/comparing-runs.md, 'result.json and
// input'). The texts are parsed here, not with JSON.parse, so that numbers keep their exact form:
// 12345678901234567890 and …891 differ although they are the same double; 1.50 and 1.5 are the
// same number. Values in changes are cut from the stored text itself, spelled as the run wrote them.
import type { JsonChange, JsonDiff } from '../../shared/compare'

export const JSON_DIFF_LIMITS = {
  /** Changes listed; the rest are counted. */
  changes: 1_000,
  /** Characters of a value's JSON text kept in a change. */
  valueChars: 2_000,
  /** Deeper than this, a subtree is compared as text. */
  depth: 2_000,
}

type Node =
  | { t: 'num'; text: string; s: number; e: number }
  | { t: 'str'; v: string; s: number; e: number }
  | { t: 'lit'; v: string; s: number; e: number }
  | { t: 'arr'; items: Node[]; s: number; e: number }
  | { t: 'obj'; entries: Map<string, Node>; s: number; e: number }

/** A decimal number in one spelling per value: "1.50", "15e-1" and "1.5" all give "15e-1". */
export function canonicalNumber(text: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text)
  if (!m) return text
  let digits = (m[2] ?? '') + (m[3] ?? '')
  let exp = Number(m[4] ?? 0) - (m[3]?.length ?? 0)
  digits = digits.replace(/^0+/, '')
  if (digits === '') return '0'
  const trailing = /0*$/.exec(digits)![0].length
  digits = digits.slice(0, digits.length - trailing)
  exp += trailing
  return `${m[1]}${digits}e${exp}`
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y

/** A scanner over char codes (a regexp per token was ~20× slower than JSON.parse on big arrays). */
class Parser {
  private at = 0
  constructor(private readonly text: string) {}

  private fail(what: string): never {
    throw new SyntaxError(`${what} at ${this.at}`)
  }

  private ws(): void {
    const t = this.text
    let c = t.charCodeAt(this.at)
    while (c === 32 || c === 10 || c === 13 || c === 9) c = t.charCodeAt(++this.at)
  }

  private next(): number {
    this.ws()
    return this.text.charCodeAt(this.at)
  }

  parseAll(): Node {
    const node = this.value(0)
    this.ws()
    if (this.at < this.text.length) this.fail('Trailing JSON text')
    return node
  }

  private string(): string {
    const t = this.text
    const s = this.at
    let i = s + 1
    let escaped = false
    for (;;) {
      const c = t.charCodeAt(i)
      if (c === 34) break
      if (Number.isNaN(c)) this.fail('Unterminated string')
      if (c === 92) {
        escaped = true
        i += 2
      } else i++
    }
    this.at = i + 1
    return escaped ? (JSON.parse(t.slice(s, i + 1)) as string) : t.slice(s + 1, i)
  }

  private value(depth: number): Node {
    if (depth > JSON_DIFF_LIMITS.depth) throw new RangeError('JSON nested too deeply')
    const c = this.next()
    const s = this.at
    const t = this.text
    if (c === 34) {
      const v = this.string()
      return { t: 'str', v, s, e: this.at }
    }
    if (c === 91) {
      this.at++
      const items: Node[] = []
      if (this.next() === 93) this.at++
      else
        for (;;) {
          items.push(this.value(depth + 1))
          const d = this.next()
          this.at++
          if (d === 93) break
          if (d !== 44) this.fail('Expected , or ]')
        }
      return { t: 'arr', items, s, e: this.at }
    }
    if (c === 123) {
      this.at++
      const entries = new Map<string, Node>()
      if (this.next() === 125) this.at++
      else
        for (;;) {
          if (this.next() !== 34) this.fail('Expected a key')
          const key = this.string()
          if (this.next() !== 58) this.fail('Expected :')
          this.at++
          entries.delete(key) // a repeated key counts once, last one wins (as JSON.parse)
          entries.set(key, this.value(depth + 1))
          const d = this.next()
          this.at++
          if (d === 125) break
          if (d !== 44) this.fail('Expected , or }')
        }
      return { t: 'obj', entries, s, e: this.at }
    }
    for (const lit of ['true', 'false', 'null']) {
      if (t.startsWith(lit, s)) {
        this.at += lit.length
        return { t: 'lit', v: lit, s, e: this.at }
      }
    }
    NUMBER.lastIndex = s
    const m = NUMBER.exec(t)
    if (!m) this.fail('Unexpected JSON')
    this.at = NUMBER.lastIndex
    return { t: 'num', text: m[0], s, e: this.at }
  }
}

/** Parses JSON text keeping each value's span and each number's exact value. */
export function parseExact(text: string): Node {
  return new Parser(text).parseAll()
}

function keyPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`
}

function sameLeaf(a: Node, b: Node): boolean {
  if (a.t === 'num' && b.t === 'num')
    return a.text === b.text || canonicalNumber(a.text) === canonicalNumber(b.text)
  if (a.t === 'str' && b.t === 'str') return a.v === b.v
  if (a.t === 'lit' && b.t === 'lit') return a.v === b.v
  return false
}

class Walker {
  readonly changes: JsonChange[] = []
  more = 0
  constructor(
    private readonly a: string,
    private readonly b: string,
  ) {}

  private text(source: string, n: Node | null): { text: string | null; clipped: boolean } {
    if (!n) return { text: null, clipped: false }
    const max = JSON_DIFF_LIMITS.valueChars
    if (n.e - n.s > max) return { text: `${source.slice(n.s, n.s + max)}…`, clipped: true }
    return { text: source.slice(n.s, n.e), clipped: false }
  }

  add(path: string, kind: JsonChange['kind'], x: Node | null, y: Node | null): void {
    if (this.changes.length >= JSON_DIFF_LIMITS.changes) {
      this.more++
      return
    }
    const before = this.text(this.a, x)
    const after = this.text(this.b, y)
    this.changes.push({
      path,
      kind,
      before: before.text,
      after: after.text,
      clipped: before.clipped || after.clipped,
    })
  }

  walk(x: Node, y: Node, path: string): void {
    if (x.t === 'obj' && y.t === 'obj') {
      for (const [k, v] of x.entries) {
        const w = y.entries.get(k)
        if (w) this.walk(v, w, keyPath(path, k))
        else this.add(keyPath(path, k), 'removed', v, null)
      }
      for (const [k, w] of y.entries) {
        if (!x.entries.has(k)) this.add(keyPath(path, k), 'added', null, w)
      }
    } else if (x.t === 'arr' && y.t === 'arr') {
      const n = Math.max(x.items.length, y.items.length)
      for (let i = 0; i < n; i++) {
        const v = x.items[i]
        const w = y.items[i]
        if (v && w) this.walk(v, w, `${path}[${i}]`)
        else if (v) this.add(`${path}[${i}]`, 'removed', v, null)
        else if (w) this.add(`${path}[${i}]`, 'added', null, w)
      }
    } else if (!sameLeaf(x, y)) {
      this.add(path, 'changed', x, y)
    }
  }
}

/**
 * The changes from JSON text `before` to `after` by path (`$`, `$.a.b[0]`, `$["a key"]`); null
 * stands for "no document" (a run without result.json). Arrays are compared index by index.
 */
export function jsonDiff(before: string | null, after: string | null): JsonDiff {
  if (before === after) return { identical: true, changes: [], cut: null }
  const w = new Walker(before ?? '', after ?? '')
  let x: Node | null
  let y: Node | null
  try {
    x = before === null ? null : parseExact(before)
    y = after === null ? null : parseExact(after)
  } catch {
    // Not JSON we can walk (should not happen for stored outputs): compare it whole.
    const whole = (s: string | null): Node | null =>
      s === null ? null : { t: 'str', v: s, s: 0, e: s.length }
    x = whole(before)
    y = whole(after)
  }
  if (x && y) w.walk(x, y, '$')
  else if (x) w.add('$', 'removed', x, null)
  else if (y) w.add('$', 'added', null, y)
  return {
    identical: w.changes.length === 0,
    changes: w.changes,
    cut: w.more > 0 ? `${w.more.toLocaleString('en-US')} more changes are not listed.` : null,
  }
}
