// The run contract (docs/run-contract.md): what user code sees of /code, /input, /output and result.json.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execute, executeOk, py, expectNoSessionContainersLeft, type ExecuteBody } from './execute'
import { request, startInProcess } from './helpers'
import { UNDER_GVISOR } from './runtime-env'

type Server = Awaited<ReturnType<typeof startInProcess>>
let srv: Server

beforeAll(async () => {
  srv = await startInProcess()
})

afterAll(async () => {
  await srv.close()
  await expectNoSessionContainersLeft(srv.core.sessionId)
})

/** Python that prints how an operation on a path failed: `OK`, or the errno name. */
const TRY_WRITE = py(
  'import errno, os',
  'def try_write(path, mode="w"):',
  '    try:',
  '        with open(path, mode) as f:',
  '            f.write("x")',
  '        return "OK"',
  '    except OSError as e:',
  '        return errno.errorcode.get(e.errno, str(e.errno))',
)

describe('/code/main.py', () => {
  it('is run as __main__ from /code/main.py and is read-only', async () => {
    const r = await executeOk(
      srv.url,
      py(
        TRY_WRITE,
        'import sys',
        'print("name", __name__)',
        'print("file", __file__)',
        'print("argv0", sys.argv[0])',
        'print("append", try_write("/code/main.py", "a"))',
        'print("create", try_write("/code/other.py"))',
      ),
    )
    const lines = r.stdout.trim().split('\n')
    expect(lines).toContain('name __main__')
    expect(lines).toContain('file /code/main.py')
    expect(lines).toContain('argv0 /code/main.py')
    expect(r.stdout).toMatch(/^append (EROFS|EACCES)$/m)
    expect(r.stdout).toMatch(/^create (EROFS|EACCES)$/m)
    expect(r.exit_code).toBe(0)
  })

  it('names /code/main.py and the line in a traceback', async () => {
    const r = await execute(srv.url, {
      code: py('x = 1', 'def f():', '    raise ValueError("bad value here")', 'f()'),
    })
    expect(r.status).toBe('failed')
    expect(r.success).toBe(false)
    expect(r.error_type).toBe('value_error')
    expect(r.error).toContain('ValueError: bad value here')
    expect(r.error).toContain('line 3')
    expect(r.stderr).toContain('File "/code/main.py", line 4, in <module>')
    expect(r.stderr).toContain('File "/code/main.py", line 3, in f')
    expect(r.exit_code).toBe(1)
  })
})

describe('/input/data.json', () => {
  it('holds input_data as JSON and is read-only', async () => {
    const input = { a: 1, nested: { b: [1, 2, null], s: 'ünïcode ✓' }, t: true }
    const r = await executeOk(
      srv.url,
      py(
        TRY_WRITE,
        'import json',
        'data = json.load(open("/input/data.json"))',
        'json.dump(data, open("result.json", "w"))',
        'print("overwrite", try_write("/input/data.json"))',
        'print("create", try_write("/input/other.json"))',
        'print("unchanged", json.load(open("/input/data.json")) == data)',
      ),
      { input_data: input },
    )
    expect(r.output).toEqual(input)
    expect(r.stdout).toMatch(/^overwrite (EROFS|EACCES)$/m)
    expect(r.stdout).toMatch(/^create (EROFS|EACCES)$/m)
    expect(r.stdout).toContain('unchanged True')
  })

  it('keeps every key of input_data, including "__proto__" and "constructor"', async () => {
    // Sent as raw JSON text: JSON.parse keeps "__proto__" as an own key, and so must the server.
    const res = await request<ExecuteBody>(`${srv.url}/execute`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body:
        '{"code": "import sys; sys.stdout.write(open(\'/input/data.json\').read())",' +
        ' "input_data": {"__proto__": {"polluted": 1}, "constructor": 2, "b": [3]}}',
    })
    expect(res.status).toBe(200)
    expect(res.body.status).toBe('succeeded')
    const seen = JSON.parse(res.body.stdout) as Record<string, unknown>
    expect(Object.keys(seen).sort()).toEqual(['__proto__', 'b', 'constructor'])
    expect(Object.getOwnPropertyDescriptor(seen, '__proto__')?.value).toEqual({ polluted: 1 })
    expect(seen.constructor).toBe(2)
  })

  it('defaults to {} when input_data is not given', async () => {
    const r = await executeOk(srv.url, 'print(repr(open("/input/data.json").read()))')
    expect(r.stdout.trim()).toBe("'{}'")
  })
})

describe('/output', () => {
  it('is the working directory, writable and empty at start', async () => {
    const r = await executeOk(
      srv.url,
      py(
        'import os',
        'print("cwd", os.getcwd())',
        'print("listing", sorted(os.listdir("/output")))',
        'print("writable", os.access("/output", os.W_OK))',
        'open("relative.txt", "w").write("hello")',
        'print("exists", os.path.exists("/output/relative.txt"))',
      ),
    )
    expect(r.stdout).toContain('cwd /output\n')
    expect(r.stdout).toContain('listing []\n')
    expect(r.stdout).toContain('writable True\n')
    expect(r.stdout).toContain('exists True\n')
    expect(r.artifacts.map((a) => a.name)).toEqual(['relative.txt'])
  })

  it('turns nested files into artifacts with size, sha256 and content type', async () => {
    const r = await executeOk(
      srv.url,
      py(
        'import hashlib, json, os',
        'os.makedirs("plots/deep/er", exist_ok=True)',
        'files = {',
        '    "table.csv": b"a,b\\n1,2\\n",',
        '    "plots/chart.png": bytes(range(256)) * 40,',
        '    "plots/deep/er/data.json": json.dumps({"k": [1, 2, 3]}).encode(),',
        '    "plots/deep/er/blob": os.urandom(4096),',
        '    "empty.txt": b"",',
        '}',
        'for name, content in files.items():',
        '    with open(name, "wb") as f:',
        '        f.write(content)',
        'print(json.dumps({n: [len(c), hashlib.sha256(c).hexdigest()] for n, c in files.items()}))',
      ),
    )
    const expected = JSON.parse(r.stdout) as Record<string, [number, string]>
    const types: Record<string, string> = {
      'table.csv': 'text/csv',
      'plots/chart.png': 'image/png',
      'plots/deep/er/data.json': 'application/json',
      'plots/deep/er/blob': 'application/octet-stream',
      'empty.txt': 'text/plain',
    }
    expect(r.artifacts.map((a) => a.name).sort()).toEqual(Object.keys(expected).sort())
    for (const a of r.artifacts) {
      const [size, sha256] = expected[a.name]
      expect(a, a.name).toEqual({
        name: a.name,
        size_bytes: size,
        sha256,
        content_type: types[a.name],
      })
    }
    expect(r.warnings).toEqual([])
  })
})

describe('/output/result.json', () => {
  it('is missing: output null and no warning', async () => {
    const r = await executeOk(srv.url, 'print("no result")')
    expect(r.output).toBeNull()
    expect(r.warnings).toEqual([])
    expect(r.stdout).toBe('no result\n')
  })

  it.each([
    ['an object', { a: 1, b: 'two' }],
    ['a list', [1, 'two', { three: 3 }, null]],
    ['a string', 'just a string'],
    ['a number', 42.5],
    ['null', null],
    ['a boolean', false],
  ])('accepts %s as output', async (_label, value) => {
    const r = await executeOk(
      srv.url,
      py(
        'import json, sys',
        'json.dump(json.load(open("/input/data.json"))["v"], open("result.json", "w"))',
      ),
      { input_data: { v: value } },
    )
    expect(r.output).toEqual(value)
    expect(r.warnings).toEqual([])
  })

  it('maps NaN and Infinity to null with a result_nonstandard warning', async () => {
    const r = await executeOk(
      srv.url,
      py(
        'import json',
        'json.dump({"v": float("nan"), "w": [float("inf"), -float("inf"), 1.5], "s": "NaN"},',
        '          open("result.json", "w"))',
      ),
    )
    expect(r.output).toEqual({ v: null, w: [null, null, 1.5], s: 'NaN' })
    expect(r.warnings.map((w) => w.code)).toEqual(['result_nonstandard'])
    expect(r.warnings[0].message).toMatch(/3 NaN\/Infinity/)
  })

  it('invalid JSON: output null, a result_invalid warning, status still succeeded', async () => {
    const r = await executeOk(
      srv.url,
      py('open("result.json", "w").write("not valid json {")', 'print("printed anyway")'),
    )
    expect(r.output).toBeNull()
    expect(r.stdout).toBe('printed anyway\n')
    expect(r.warnings).toHaveLength(1)
    expect(r.warnings[0].code).toBe('result_invalid')
    expect(r.warnings[0].message).toMatch(/not valid JSON/)
    expect(r.exit_code).toBe(0)
  })
})

describe('/output entries that are not regular files', () => {
  it('a symlinked result.json and symlinked artifacts are never followed', async () => {
    const r = await executeOk(
      srv.url,
      py(
        'import os',
        'os.symlink("/etc/passwd", "result.json")',
        'os.symlink("/etc/passwd", "passwd.txt")',
        'os.symlink("/", "root")',
        'os.mkfifo("pipe")',
        'open("real.txt", "w").write("real")',
      ),
    )
    expect(r.output).toBeNull()
    expect(r.artifacts.map((a) => a.name)).toEqual(['real.txt'])
    const rejected = r.warnings.filter((w) => w.code.startsWith('artifact_'))
    expect(Object.fromEntries(rejected.map((w) => [w.path, w.code]))).toEqual({
      'result.json': 'artifact_rejected:symlink',
      'passwd.txt': 'artifact_rejected:symlink',
      root: 'artifact_rejected:symlink',
      // Under gVisor a FIFO lives inside the sandbox only: /output on the host never holds it.
      ...(UNDER_GVISOR ? {} : { pipe: 'artifact_rejected:fifo' }),
    })
    const resultWarnings = r.warnings.filter((w) => w.code === 'result_invalid')
    expect(resultWarnings).toHaveLength(1)
    expect(resultWarnings[0]?.message).toMatch(/symbolic link; it was not read/)
    expect(JSON.stringify(r)).not.toContain('root:x:0:0')
  })

  it('a FIFO as result.json does not hang the run', async () => {
    // A read of the FIFO would block for ever (nothing writes it once the script is gone): the run
    // returning at all is the evidence, and the warning below shows it was skipped by its type.
    const r = await executeOk(srv.url, py('import os', 'os.mkfifo("result.json")'))
    expect(r.output).toBeNull()
    if (UNDER_GVISOR) {
      // The FIFO never reaches the host's /output (see above): no result.json at all.
      expect(r.warnings).toEqual([])
    } else {
      expect(r.warnings.find((w) => w.code === 'result_invalid')?.message).toMatch(
        /not a regular file/,
      )
    }
    expect(r.artifacts).toEqual([])
  })
})
