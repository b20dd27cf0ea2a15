// Exercise grading's isolation (see docs/exercise-pack.md, 'Checks', and docs/security.md), on the
// real daemon with the production flags: a check runs in its own hardened container that sees the
// student's outputs and its own test's fixtures read-only and nothing else — not another test's
// hidden fixture, not the pack — and cannot write anywhere but its own /output; the student's
// script sees neither checks nor fixtures (a scanner that does find a planted marker proves it
// looks). The specs sent to Docker are checked too, and requests from another site change nothing.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHandlers, type Handlers } from '../../src/main/app/handlers'
import { LABEL_ROLE } from '../../src/main/engine/container-spec'
import { HIDDEN_PASSED } from '../../src/main/jobs/grading-results'
import { grade, zipPack } from '../fixtures/exercise-pack'
import { request } from '../integration/helpers'
import { expectHardened, py, startSecure, type Ctx, type CreatedContainer } from './harness'
import { expectNoSessionContainersLeft } from '../integration/execute'

const SECRET = ['SECRET', 'B', '7f3a'].join('-')

const CHECK_A = py(
  'import json, os',
  "secret = '-'.join(['SECRET', 'B', '7f3a']).encode()",
  'problems = []',
  "if open('/fixtures/a.txt').read().strip() != 'fixture-a': problems.append('own fixture missing')",
  "if sorted(os.listdir('/fixtures')) != ['a.txt']: problems.append('fixtures: ' + repr(os.listdir('/fixtures')))",
  "for p in ['/fixtures/secret_b.txt', '/checks', '/pack', '/exercises']:",
  '    if os.path.exists(p): problems.append(p + " exists")',
  "for top in ['/fixtures', '/submission', '/code', '/input', '/output', '/tmp']:",
  '    for dp, dn, fn in os.walk(top):',
  '        for f in fn:',
  '            try:',
  "                if secret in open(os.path.join(dp, f), 'rb').read(): problems.append('secret in ' + os.path.join(dp, f))",
  '            except OSError:',
  '                pass',
  "if open('/submission/output/out.txt').read() != 'student': problems.append('student output missing')",
  "if 'CLEAN' not in open('/submission/stdout.txt').read(): problems.append('student stdout missing')",
  "if json.load(open('/submission/result.json')) != {'who': 'student'}: problems.append('result.json missing')",
  "if json.load(open('/input/data.json')) != {'who': 'a'}: problems.append('input missing')",
  "for p in ['/submission/output/evil.txt', '/submission/stdout.txt', '/submission/evil.txt', '/fixtures/a.txt',",
  "          '/fixtures/new.txt', '/code/main.py', '/input/data.json', '/evil.txt', '/usr/evil.txt']:",
  '    try:',
  "        with open(p, 'a') as f: f.write('x')",
  "        problems.append('wrote ' + p)",
  '    except OSError:',
  '        pass',
  "for p in ['/submission/output/out.txt', '/fixtures/a.txt']:",
  '    try:',
  '        os.remove(p)',
  "        problems.append('removed ' + p)",
  '    except OSError:',
  '        pass',
  "open('/output/own.txt', 'w').write('a check may write its own output')",
  "print(json.dumps({'score': 0 if problems else 1, 'message': '; '.join(problems) or 'isolated'}))",
)

const CHECK_B = py(
  'import json',
  "ok = open('/fixtures/secret_b.txt').read().strip() == '-'.join(['SECRET', 'B', '7f3a'])",
  "print(json.dumps({'score': 1 if ok else 0}))",
)

/** The student's script: looks for the pack's checks and hidden fixtures everywhere it can. */
const STUDENT = py(
  'import json, os',
  "secret = '-'.join(['SECRET', 'B', '7f3a']).encode()",
  "marker = '-'.join(['CHECK', 'SOURCE']).encode()",
  'found = []',
  "mounts = open('/proc/self/mountinfo').read()",
  "for word in ['fixtures', 'submission', 'checks', 'exercises']:",
  '    if word in mounts: found.append("mount " + word)',
  "for p in ['/fixtures', '/submission', '/checks']:",
  '    if os.path.exists(p): found.append(p)',
  "for top in ['/code', '/input', '/output', '/tmp', '/home', '/root', '/srv', '/mnt', '/opt']:",
  '    for dp, dn, fn in os.walk(top):',
  '        for f in fn:',
  '            p = os.path.join(dp, f)',
  '            try:',
  "                data = open(p, 'rb').read()",
  '            except OSError:',
  '                continue',
  '            if secret in data or marker in data: found.append(p)',
  'for k, v in os.environ.items():',
  '    if secret.decode() in v: found.append("env " + k)',
  "open('/output/out.txt', 'w').write('student')",
  "json.dump({'who': 'student'}, open('/output/result.json', 'w'))",
  "print('FOUND ' + ' '.join(found) if found else 'CLEAN')",
)

const PACK = {
  'exercise.json': JSON.stringify({
    format: 1,
    id: 'isolation',
    title: 'Isolation',
    instructions: 'instructions.md',
    environment: 'default',
    limits: { timeout: 20, memory_mb: 128 },
    starter: 'starter.py',
    tests: [
      {
        name: 'check is isolated',
        points: 1,
        visibility: 'visible',
        input_data: { who: 'a' },
        check: 'checks/check_a.py',
        fixtures: ['fixtures/a.txt'],
      },
      {
        name: 'hidden secret',
        points: 1,
        visibility: 'hidden',
        check: 'checks/check_b.py',
        fixtures: ['fixtures/secret_b.txt'],
      },
      {
        name: 'student sees nothing of the pack',
        points: 1,
        visibility: 'visible',
        expect: { stdout: { equals: 'CLEAN' } },
      },
      {
        name: 'the scanner finds what it is given',
        points: 1,
        visibility: 'visible',
        input_data: { planted: SECRET },
        expect: { stdout: { equals: 'FOUND /input/data.json' } },
      },
    ],
  }),
  'instructions.md': '# Isolation',
  'starter.py': 'print(1)',
  'checks/check_a.py': `# CHECK-SOURCE\n${CHECK_A}`,
  'checks/check_b.py': `# CHECK-SOURCE\n${CHECK_B}`,
  'fixtures/a.txt': 'fixture-a',
  'fixtures/secret_b.txt': SECRET,
}

let ctx: Ctx
let handlers: Handlers

beforeAll(async () => {
  ctx = await startSecure()
  handlers = createHandlers(ctx.srv.core)
})

/** A check container's two extra read-only folders, then every other rule of expectHardened. */
function expectHardenedCheck(c: CreatedContainer): void {
  const binds = c.spec.HostConfig?.Binds ?? []
  const extra = binds.filter((b) => /:\/(submission|fixtures):ro$/.test(b))
  expect(extra.map((b) => b.split(':').slice(1).join(':')).sort()).toEqual([
    '/fixtures:ro',
    '/submission:ro',
  ])
  const rest = structuredClone(c)
  rest.spec.HostConfig!.Binds = binds.filter((b) => !extra.includes(b))
  expectHardened(rest)
}

afterAll(async () => {
  if (!ctx) return
  await ctx.srv.close()
  await expectNoSessionContainersLeft(ctx.srv.core.sessionId)
  const checks = ctx.client.created.filter((c) =>
    (c.spec.HostConfig?.Binds ?? []).some((b) => b.endsWith(':/submission:ro')),
  )
  for (const c of ctx.client.created) {
    if (checks.includes(c)) expectHardenedCheck(c)
    else expectHardened(c)
  }
  fs.rmSync(ctx.srv.dataDir, { recursive: true, force: true })
})

describe('exercise grading keeps checks, fixtures and students apart', () => {
  it('a check sees only its own fixtures, cannot write outside its output; the student sees no pack', async () => {
    const before = ctx.client.created.length
    const { id } = await handlers['exercises:import']({ data: new Uint8Array(zipPack(PACK)) })
    const g = await grade(ctx.srv.core, handlers, id, STUDENT)
    const tests = g.detail.results!.tests
    expect(tests.map((t) => [t.name, t.output])).toEqual([
      ['check is isolated', 'isolated'],
      ['hidden secret', HIDDEN_PASSED],
      ['student sees nothing of the pack', 'Passed.'],
      ['the scanner finds what it is given', 'Passed.'],
    ])
    expect(g.detail.score).toBe(4)
    // Four student runs and two checks, each a container of its own.
    const made = ctx.client.created.slice(before)
    const checkSpecs = made.filter((c) =>
      (c.spec.HostConfig?.Binds ?? []).some((b) => b.endsWith(':/submission:ro')),
    )
    expect(checkSpecs.length).toBe(2)
    for (const c of checkSpecs) expect(c.labels[LABEL_ROLE]).toBe('run')
    const dataDir = ctx.srv.dataDir
    for (const c of made.filter((m) => !checkSpecs.includes(m))) {
      for (const b of c.spec.HostConfig?.Binds ?? []) {
        expect(b).not.toContain(path.join(dataDir, 'exercises'))
        expect(b).not.toContain('/stage/')
      }
    }
    // The pack is as imported; the staged folders are gone.
    const { store } = ctx.srv.core.exercises
    expect(store.packFile(id, 'fixtures/a.txt').toString()).toBe('fixture-a')
    expect(store.packFile(id, 'fixtures/secret_b.txt').toString()).toBe(SECRET)
    const stage = path.join(dataDir, 'grading', ctx.srv.core.sessionId, 'stage')
    expect(fs.existsSync(stage) ? fs.readdirSync(stage) : []).toEqual([])
    // No grading run was left in the grading store, none reached the history.
    expect(fs.readdirSync(path.join(dataDir, 'grading', ctx.srv.core.sessionId, 'runs'))).toEqual(
      [],
    )
    expect(ctx.srv.core.store.all()).toEqual([])
  })

  it('refuses requests that change exercises from another site; nothing is stored or graded', async () => {
    const url = ctx.srv.url
    const listBefore = await handlers['exercises:list']({})
    const foreign = { origin: 'http://evil.example' }
    const upload = await request(`${url}/exercises`, {
      method: 'POST',
      headers: { ...foreign, 'content-type': 'application/zip' },
      body: new Uint8Array(
        zipPack({
          ...PACK,
          'exercise.json': PACK['exercise.json'].replace('"isolation"', '"other"'),
        }),
      ),
    })
    expect(upload.status).toBe(403)
    const local = { origin: 'http://localhost:5173', 'sec-fetch-site': 'same-site' }
    const submit = await request(`${url}/exercises/isolation/submit`, {
      method: 'POST',
      headers: local,
      json: { code: 'print(1)' },
    })
    expect(submit.status).toBe(403)
    const del = await request(`${url}/exercises/isolation`, { method: 'DELETE', headers: foreign })
    expect(del.status).toBe(403)
    expect(await handlers['exercises:list']({})).toEqual(listBefore)
    expect(await handlers['exercises:submissions']({ exerciseId: 'isolation' })).toHaveLength(1)
  })
})
