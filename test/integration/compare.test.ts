// Two real runs on the real daemon that differ in code, input, stdout, result.json, a PNG, a CSV
// cell, one removed and one added file, compared over `GET /executions/{id}/compare` and the app's
// `runs:compare`: every difference is found, and both transports give the same comparison.
import { beforeAll, describe, expect, it } from 'vitest'
import { createHandlers } from '../../src/main/app/handlers'
import type { RunComparison } from '../../src/shared/compare'
import { COMPARE_SCRIPT } from '../fixtures/compare-script'
import { call, useApiServer, type Body } from './api'
import { execute } from './execute'

const api = useApiServer(6)
let first = ''
let second = ''
let again = ''

beforeAll(async () => {
  const url = api.srv.url
  const a = await execute(url, { code: COMPARE_SCRIPT, input_data: { v: 1 } })
  const b = await execute(url, {
    code: `# second version\n${COMPARE_SCRIPT}`,
    input_data: { v: 2 },
  })
  const c = await execute(url, { code: COMPARE_SCRIPT, input_data: { v: 1 } })
  for (const r of [a, b, c]) expect(r.status, r.stderr).toBe('succeeded')
  first = a.execution_id
  second = b.execution_id
  again = c.execution_id
}, 180_000)

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`)
}

/**
 * The app's comparison as the API should spell it, mapped here independently of the server's
 * code: keys in snake_case, `execution_id` and `job_type`, JSON values parsed, peak memory in MB.
 */
function asWire(c: RunComparison): unknown {
  const deep = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(deep)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [snake(k), deep(x)]))
        : v
  const json = (d: RunComparison['output']): unknown => ({
    ...d,
    changes: d.changes.map((ch) => ({
      ...ch,
      before: ch.before === null ? null : (JSON.parse(ch.before) as unknown),
      after: ch.after === null ? null : (JSON.parse(ch.after) as unknown),
    })),
  })
  const { id, environment, input, output, resourceUsage, ...rest } = c
  const { maxRssBytes, ...usage } = resourceUsage
  const mb = (b: number | null): number | null =>
    b === null ? null : Math.round((b / 1024 / 1024) * 10) / 10
  return {
    execution_id: id,
    ...(deep(rest) as Body),
    job_type: environment,
    input: json(input),
    output: json(output),
    resource_usage: {
      max_rss_mb: { ...maxRssBytes, before: mb(maxRssBytes.before), after: mb(maxRssBytes.after) },
      ...(deep(usage) as Body),
    },
  }
}

describe('comparing two real runs', () => {
  it('finds each difference, and the API and the app give the same comparison', async () => {
    const res = await call(api.srv.url, `/executions/${first}/compare?with=${second}`)
    expect(res.status).toBe(200)
    const handlers = createHandlers(api.srv.core)
    const ipc = await handlers['runs:compare']({ id: first, with: second })
    expect(res.body).toEqual(asWire(ipc))

    expect(ipc.identical).toBe(false)
    expect(ipc.code).toMatchObject({ linesAdded: 1, linesRemoved: 0 })
    expect(ipc.code.hunks[0].lines[0]).toEqual({
      kind: 'added',
      text: '# second version',
      beforeLine: null,
      afterLine: 1,
    })
    expect(ipc.input.changes).toEqual([
      { path: '$.v', kind: 'changed', before: '1', after: '2', clipped: false },
    ])
    expect(ipc.stdout.hunks.flatMap((h) => h.lines)).toEqual([
      { kind: 'removed', text: 'value is 1', beforeLine: 1, afterLine: null },
      { kind: 'added', text: 'value is 2', beforeLine: null, afterLine: 1 },
    ])
    expect(ipc.stderr.identical).toBe(true)
    expect(ipc.output.changes.map((ch) => [ch.path, ch.kind, ch.before, ch.after])).toEqual([
      ['$.v', 'changed', '1', '2'],
      ['$.items[1]', 'changed', '1', '2'],
      ['$.label', 'changed', '"run 1"', '"run 2"'],
    ])
    const { artifacts } = ipc
    expect(artifacts.added.map((a) => a.name)).toEqual(['only-second.txt'])
    expect(artifacts.removed.map((a) => a.name)).toEqual(['only-first.txt'])
    expect(artifacts.same.map((a) => a.name)).toEqual(['same.txt'])
    expect(artifacts.changed.map((a) => [a.name, a.kind]).sort()).toEqual([
      ['plot.png', 'image'],
      // result.json is kept among the files too (see docs/run-contract.md).
      ['result.json', 'text'],
      ['table.csv', 'csv'],
    ])
    const csv = artifacts.changed.find((a) => a.name === 'table.csv')!.csv!
    expect(csv.cells).toEqual([{ row: 2, col: 1, before: '4', after: '5' }])
    expect(ipc.status).toEqual({ before: 'succeeded', after: 'succeeded', changed: false })

    // The HTTP body spells the result change as the issue asks: path, before, after.
    const output = res.body.output as { changes: Body[] }
    expect(output.changes[0]).toMatchObject({ path: '$.v', before: 1, after: 2 })
  })

  it('says two runs of the same code and input are identical', async () => {
    const res = await call(api.srv.url, `/executions/${first}/compare?with=${again}`)
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({
      identical: true,
      code: { identical: true },
      stdout: { identical: true },
      output: { identical: true, changes: [] },
      artifacts: { identical: true, added: [], removed: [], changed: [] },
    })
    expect((res.body.artifacts as { same: unknown[] }).same).toHaveLength(5)
  })

  it('answers 404 for an unknown run and 422 for a missing or invalid `with`', async () => {
    const url = api.srv.url
    const unknown = await call(url, `/executions/no-such-run/compare?with=${first}`)
    expect(unknown.status).toBe(404)
    const unknownWith = await call(url, `/executions/${first}/compare?with=no-such-run`)
    expect(unknownWith.status).toBe(404)
    const missing = await call(url, `/executions/${first}/compare`)
    expect(missing.status).toBe(422)
    expect(missing.body.detail).toEqual([
      { type: 'missing', loc: ['query', 'with'], msg: 'Field required', input: null },
    ])
    const invalid = await call(url, `/executions/${first}/compare?with=..%2Fx`)
    expect(invalid.status).toBe(422)
    await expect(
      createHandlers(api.srv.core)['runs:compare']({ id: first, with: 'no-such-run' }),
    ).rejects.toMatchObject({ code: 'not_found' })
  })
})
