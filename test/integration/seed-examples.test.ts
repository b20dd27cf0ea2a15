// Every example of seed/basic-execution.txt, sent as its JSON body to POST /execute on a server
// started with the README's command (`npm run serve`), returns what the page says.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  expectNoContainersLeft,
  request,
  startServeProcess,
  tempDir,
  type ServeProcess,
} from './helpers'

interface ExecuteBody {
  success: boolean
  status: string
  output: unknown
  stdout: string
  stderr: string
  error: string | null
  error_type: string | null
  execution_id: string
  artifacts: { name: string; size_bytes: number; sha256: string; content_type: string }[]
}

let server: ServeProcess
let rawOutputText = ''

async function execute(body: Record<string, unknown>): Promise<ExecuteBody> {
  const res = await fetch(`${server.url}/execute`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  expect(res.status).toBe(200)
  rawOutputText = await res.text()
  return JSON.parse(rawOutputText) as ExecuteBody
}

beforeAll(async () => {
  server = await startServeProcess(tempDir())
}, 60_000)

afterAll(async () => {
  await server?.kill('SIGTERM')
  await expectNoContainersLeft()
})

describe('seed: basic execution', () => {
  it('Basic Request prints Hello, World!', async () => {
    const r = await execute({ code: "print('Hello, World!')", input_data: {} })
    expect(r.success).toBe(true)
    expect(r.status).toBe('succeeded')
    expect(r.stdout).toBe('Hello, World!\n')
    expect(r.output).toBeNull()
    expect(r.execution_id).toMatch(/^api-[0-9a-f-]{36}$/)
  })

  it('Working with Input Data reads /input/data.json', async () => {
    const code = [
      'import json',
      'with open("/input/data.json") as f:',
      '    data = json.load(f)',
      'name = data["name"]',
      'items = data["items"]',
      'print(f"Processing {len(items)} items for {name}")',
    ].join('\n')
    const r = await execute({ code, input_data: { name: 'Alice', items: [1, 2, 3, 4, 5] } })
    expect(r.success).toBe(true)
    expect(r.stdout).toBe('Processing 5 items for Alice\n')
  })

  it('Returning Output parses result.json into output, 30.0 kept as written', async () => {
    const code = [
      'import json',
      'with open("/input/data.json") as f:',
      '    data = json.load(f)',
      'result = {',
      '    "total": sum(data["values"]),',
      '    "count": len(data["values"]),',
      '    "average": sum(data["values"]) / len(data["values"])',
      '}',
      'with open("/output/result.json", "w") as f:',
      '    json.dump(result, f)',
    ].join('\n')
    const r = await execute({ code, input_data: { values: [10, 20, 30, 40, 50] } })
    expect(r.success).toBe(true)
    expect(r.output).toEqual({ total: 150, count: 5, average: 30.0 })
    // A Python client sees {'total': 150, 'count': 5, 'average': 30.0}: the float stays a float.
    expect(rawOutputText).toContain('"output":{"total": 150, "count": 5, "average": 30.0}')
  })

  it('Multiple Output Files: three files recorded, only result.json parsed', async () => {
    const code = [
      'import json',
      'with open("/input/data.json") as f:',
      '    data = json.load(f)',
      'with open("/output/result.json", "w") as f:',
      '    json.dump({"status": "complete"}, f)',
      'with open("/output/report.txt", "w") as f:',
      `    f.write(f"Processed {len(data['items'])} items\\n")`,
      'with open("/output/data.csv", "w") as f:',
      '    f.write("id,value\\n")',
      '    for i, v in enumerate(data["items"]):',
      '        f.write(f"{i},{v}\\n")',
    ].join('\n')
    const r = await execute({ code, input_data: { items: ['a', 'b', 'c'] } })
    expect(r.success).toBe(true)
    expect(r.output).toEqual({ status: 'complete' })
    expect(r.artifacts.map((a) => a.name)).toEqual(['data.csv', 'report.txt', 'result.json'])
    const byName = Object.fromEntries(r.artifacts.map((a) => [a.name, a]))
    expect(byName['report.txt']?.size_bytes).toBe('Processed 3 items\n'.length)
    expect(byName['data.csv']?.size_bytes).toBe('id,value\n0,a\n1,b\n2,c\n'.length)
    expect(byName['data.csv']?.content_type).toBe('text/csv')
    for (const a of r.artifacts) expect(a.sha256).toMatch(/^[0-9a-f]{64}$/)
  })

  it('Setting Timeout: a 60 s sleep finishes under timeout 120', async () => {
    const started = performance.now()
    const r = await execute({ code: 'import time; time.sleep(60)', input_data: {}, timeout: 120 })
    const seconds = (performance.now() - started) / 1000
    expect(r.status).toBe('succeeded')
    expect(r.success).toBe(true)
    expect(seconds).toBeGreaterThanOrEqual(60)
  }, 130_000)

  it('Using Print for Debugging returns stdout line by line', async () => {
    const code = [
      'import json',
      'print("Starting execution...")',
      'with open("/input/data.json") as f:',
      '    data = json.load(f)',
      'print(f"Got {len(data)} keys")',
      'for key, value in data.items():',
      '    print(f"  {key}: {value}")',
      'print("Done!")',
      'with open("/output/result.json", "w") as f:',
      '    json.dump({"processed": True}, f)',
    ].join('\n')
    const r = await execute({ code, input_data: { a: 1, b: 2 } })
    expect(r.stdout).toBe('Starting execution...\nGot 2 keys\n  a: 1\n  b: 2\nDone!\n')
    expect(r.output).toEqual({ processed: true })
  })

  it('Limitations: no network, read-only filesystem, no persistence', async () => {
    const code = [
      'import socket, os',
      'try:',
      '    socket.create_connection(("93.184.216.34", 80), timeout=3)',
      '    print("net: open")',
      'except OSError as e:',
      '    print("net: blocked")',
      'try:',
      '    open("/etc/x", "w")',
      '    print("fs: writable")',
      'except OSError:',
      '    print("fs: read-only")',
      'print("persist:", os.path.exists("/tmp/seed-bean"))',
      'open("/tmp/seed-bean", "w").write("x")',
    ].join('\n')
    const first = await execute({ code })
    expect(first.stdout).toBe('net: blocked\nfs: read-only\npersist: False\n')
    const second = await execute({ code })
    expect(second.stdout).toBe('net: blocked\nfs: read-only\npersist: False\n')
  })

  it('GET /health answers with Docker status', async () => {
    const res = await request(`${server.url}/health`)
    expect(res.status).toBe(200)
    expect(res.body.docker_available).toBe(true)
    expect(res.body.status).toBe('healthy')
  })
})
