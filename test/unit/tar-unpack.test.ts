// The archive transfer's unpacker against hostile tar streams (see docs/security.md, 'File
// transfer'): each case is refused or cut exactly as the local collection refuses the same tree.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import tar from 'tar-stream'
import { afterEach, describe, expect, it } from 'vitest'
import { collect } from '../../src/main/engine/collect'
import { DEFAULT_LIMITS } from '../../src/main/engine/limits'
import { unpackOutput, type UnpackLimits } from '../../src/main/engine/tar-unpack'
import type { RunLimits } from '../../src/shared/run'
import { MiB } from '../../src/shared/units'

const dirs: string[] = []
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-tar-'))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
}, 120_000) // 20,000 files of the 10,001-file case on a busy disk

const LIMITS: RunLimits = { ...DEFAULT_LIMITS }
const UNPACK: UnpackLimits = {
  artifactDepth: LIMITS.artifactDepth,
  artifactBytes: LIMITS.artifactBytes,
  maxBytes: 700 * MiB,
  maxEntries: 250_000,
}

type Entry = tar.Header extends infer H ? Partial<H> & { name: string; body?: string } : never

/**
 * A tar as the daemon sends /output, written while it is read: `root` first (Docker's `output/`,
 * every name under it; Podman's `/`).
 */
function tarOf(entries: Entry[], big?: { name: string; size: number }, root = 'output/'): Readable {
  const pack = tar.pack()
  void (async () => {
    pack.entry({ name: root, type: 'directory', mode: 0o755 })
    for (const { body, ...h } of entries) {
      if (body !== undefined) pack.entry({ type: 'file', mode: 0o644, ...h }, body)
      else pack.entry({ mode: 0o644, ...h })
    }
    if (big) {
      // Streamed in 1 MiB chunks of one zeroed buffer: the file is never held in memory.
      const chunk = Buffer.alloc(MiB)
      const sink = pack.entry({ name: big.name, size: big.size, type: 'file', mode: 0o644 })
      for (let left = big.size; left > 0; left -= chunk.length) {
        if (!sink.write(chunk.subarray(0, Math.min(chunk.length, left))))
          await new Promise<void>((r) => sink.once('drain', () => r()))
      }
      ;(sink as unknown as NodeJS.WritableStream).end()
    }
    pack.finalize()
  })()
  return pack as unknown as Readable
}

async function unpackAndCollect(
  stream: Readable,
  limits: UnpackLimits = UNPACK,
  top = 'output',
): Promise<{ dir: string; result: Awaited<ReturnType<typeof collect>>; bytesWritten: number }> {
  const dir = tempDir()
  const out = path.join(dir, 'artifacts')
  fs.mkdirSync(out, { mode: 0o700 })
  const unpacked = await unpackOutput(stream, out, limits, top)
  return { dir, result: await collect(out, LIMITS, unpacked), bytesWritten: unpacked.bytesWritten }
}

/** What the local collection makes of a folder built by `build`. */
async function collectLocal(
  build: (out: string) => void,
): Promise<Awaited<ReturnType<typeof collect>>> {
  const out = path.join(tempDir(), 'artifacts')
  fs.mkdirSync(out, { mode: 0o700 })
  build(out)
  return collect(out, LIMITS)
}

const verdicts = (r: Awaited<ReturnType<typeof collect>>): unknown => ({
  artifacts: r.artifacts.map((a) => [a.name, a.sizeBytes, a.sha256]),
  warnings: r.warnings,
  output: r.parsed.output,
})

describe('unpackOutput: the same verdicts as the local collection', () => {
  it('symlinks (result.json, a file, a folder) and a FIFO are never created; the rest is kept', async () => {
    const { result } = await unpackAndCollect(
      tarOf([
        { name: 'output/result.json', type: 'symlink', linkname: '/etc/passwd' },
        { name: 'output/passwd.txt', type: 'symlink', linkname: '/etc/passwd' },
        { name: 'output/root', type: 'symlink', linkname: '/' },
        { name: 'output/pipe', type: 'fifo' },
        { name: 'output/real.txt', body: 'real' },
      ]),
    )
    const local = await collectLocal((out) => {
      fs.symlinkSync('/etc/passwd', path.join(out, 'result.json'))
      fs.symlinkSync('/etc/passwd', path.join(out, 'passwd.txt'))
      fs.symlinkSync('/', path.join(out, 'root'))
      fs.writeFileSync(path.join(out, 'real.txt'), 'real')
      execFileSync('mkfifo', [path.join(out, 'pipe')])
    })
    expect(verdicts(result)).toEqual(verdicts(local))
    expect(result.warnings.find((w) => w.path === 'pipe')).toEqual({
      code: 'artifact_rejected:fifo',
      path: 'pipe',
      message: 'fifo skipped: only regular files are kept',
    })
    expect(result.parsed.warning?.message).toMatch(/symbolic link; it was not read/)
    expect(JSON.stringify(result)).not.toContain('root:x:0:0')
  })

  it('a hard link to a file of the tar stays a hard link; one to anything else is refused', async () => {
    const { dir, result } = await unpackAndCollect(
      tarOf([
        { name: 'output/a.txt', body: 'same' },
        { name: 'output/b.txt', type: 'link', linkname: 'output/a.txt' },
        { name: 'output/passwd', type: 'link', linkname: '/etc/passwd' },
        { name: 'output/up', type: 'link', linkname: 'output/../../etc/passwd' },
      ]),
    )
    const local = await collectLocal((out) => {
      fs.writeFileSync(path.join(out, 'a.txt'), 'same')
      fs.linkSync(path.join(out, 'a.txt'), path.join(out, 'b.txt'))
    })
    expect(result.artifacts).toEqual(local.artifacts)
    expect(result.warnings).toEqual([
      {
        code: 'artifact_rejected:hardlink',
        path: 'passwd',
        message: 'hard link to a file outside /output skipped',
      },
      {
        code: 'artifact_rejected:hardlink',
        path: 'up',
        message: 'hard link to a file outside /output skipped',
      },
    ])
    expect(fs.readdirSync(path.join(dir, 'artifacts')).sort()).toEqual(['a.txt', 'b.txt'])
  })

  it('device nodes are never created', async () => {
    const { dir, result } = await unpackAndCollect(
      tarOf([
        { name: 'output/null', type: 'character-device', devmajor: 1, devminor: 3 },
        { name: 'output/sda', type: 'block-device', devmajor: 8, devminor: 0 },
      ]),
    )
    expect(result.warnings).toEqual([
      {
        code: 'artifact_rejected:device',
        path: 'null',
        message: 'device skipped: only regular files are kept',
      },
      {
        code: 'artifact_rejected:device',
        path: 'sda',
        message: 'device skipped: only regular files are kept',
      },
    ])
    expect(fs.readdirSync(path.join(dir, 'artifacts'))).toEqual([])
  })

  it('`../` and absolute names are refused and nothing is written outside /output', async () => {
    const { dir, result } = await unpackAndCollect(
      tarOf([
        { name: 'output/../evil1', body: 'x' },
        { name: '../evil2', body: 'x' },
        { name: 'output/a/../../evil3', body: 'x' },
        { name: '/evil4', body: 'x' },
        { name: '/output/evil5', body: 'x' },
        { name: 'other/evil6', body: 'x' },
        { name: 'output/ok.txt', body: 'ok' },
      ]),
    )
    expect(result.artifacts.map((a) => a.name)).toEqual(['ok.txt'])
    const refused = result.warnings.filter((w) => w.code === 'artifact_rejected:name')
    expect(refused).toHaveLength(6)
    for (const w of refused) expect(w.message).toBe('path outside /output skipped')
    expect(fs.readdirSync(dir)).toEqual(['artifacts'])
    expect(fs.readdirSync(path.join(dir, 'artifacts'))).toEqual(['ok.txt'])
  })

  it('a name of 4,000 bytes is refused as a path past the limit, as the walker refuses one', async () => {
    const long = 'a'.repeat(4000)
    const { result } = await unpackAndCollect(
      tarOf([
        { name: `output/${long}`, body: 'x' },
        { name: `output/${long}/inner.txt`, body: 'x' },
        { name: 'output/kept.txt', body: 'k' },
      ]),
    )
    // Locally a component is at most 255 bytes: the same limit, reached by nesting.
    const seg = 'b'.repeat(200)
    const local = await collectLocal((out) => {
      fs.mkdirSync(path.join(out, seg, seg, seg, seg, seg, seg), { recursive: true })
      fs.writeFileSync(path.join(out, seg, seg, seg, seg, seg, seg, 'deep.txt'), 'x')
      fs.writeFileSync(path.join(out, 'kept.txt'), 'k')
    })
    expect(result.artifacts.map((a) => a.name)).toEqual(['kept.txt'])
    expect(result.warnings).toEqual([
      { code: 'artifact_limit:path', path: long, message: 'path longer than 1024 bytes skipped' },
    ])
    expect(local.warnings.map((w) => [w.code, w.message])).toEqual([
      ['artifact_limit:path', 'path longer than 1024 bytes skipped'],
    ])
  })

  it('10,001 files: the first 10,000 in the walk order are kept, as locally', async () => {
    const names = Array.from({ length: 10_001 }, (_, i) => `f${String(i).padStart(5, '0')}.txt`)
    // The tar lists them in reverse: the verdict follows the walk order, not the stream's.
    const { result } = await unpackAndCollect(
      tarOf([...names].reverse().map((n) => ({ name: `output/${n}`, body: n }))),
    )
    const local = await collectLocal((out) => {
      for (const n of names) fs.writeFileSync(path.join(out, n), n)
    })
    expect(result.artifacts).toHaveLength(10_000)
    expect(verdicts(result)).toEqual(verdicts(local))
    expect(result.warnings).toEqual([
      {
        code: 'artifact_limit',
        message: '1 more files skipped: at most 10000 artifacts are kept',
      },
    ])
  }, 180_000)

  it('a 101 MiB file is refused by its size without a byte of it written', async () => {
    const size = 101 * MiB
    const { result, bytesWritten } = await unpackAndCollect(
      tarOf([{ name: 'output/small.txt', body: 's' }], { name: 'output/big.bin', size }),
    )
    const local = await collectLocal((out) => {
      fs.writeFileSync(path.join(out, 'small.txt'), 's')
      fs.writeFileSync(path.join(out, 'big.bin'), '')
      fs.truncateSync(path.join(out, 'big.bin'), size)
    })
    expect(bytesWritten).toBe(1)
    expect(verdicts(result)).toEqual(verdicts(local))
    expect(result.warnings).toEqual([
      {
        code: 'artifact_limit:size',
        path: 'big.bin',
        message: `${size} bytes is over the ${100 * MiB}-byte limit per file`,
      },
    ])
  }, 60_000)

  it('folders past the depth limit are refused with all they hold, as locally', async () => {
    const parts = Array.from({ length: 18 }, (_, i) => `d${i}`)
    const { result } = await unpackAndCollect(
      tarOf([{ name: `output/${parts.join('/')}/x.txt`, body: 'x' }]),
    )
    const local = await collectLocal((out) => {
      fs.mkdirSync(path.join(out, ...parts), { recursive: true })
      fs.writeFileSync(path.join(out, ...parts, 'x.txt'), 'x')
    })
    expect(verdicts(result)).toEqual(verdicts(local))
    expect(result.warnings.map((w) => w.code)).toEqual(['artifact_limit:depth'])
  })

  it('a name that is not UTF-8 is refused, as locally', async () => {
    const stream = await rawNameTar('output/AB.txt', Buffer.from([0xff, 0xfe]))
    const { result } = await unpackAndCollect(stream)
    const local = await collectLocal((out) => {
      fs.writeFileSync(
        Buffer.concat([Buffer.from(`${out}/`), Buffer.from([0xff, 0xfe, 0x2e])]),
        'x',
      )
    })
    expect(result.warnings.map((w) => [w.code, w.message])).toEqual(
      local.warnings.map((w) => [w.code, w.message]),
    )
    expect(result.artifacts).toEqual([])
  })

  it('a pax name that is not UTF-8 (as the daemon sends one) is refused, as locally', async () => {
    // Docker's tar names a non-ASCII file in a pax record, raw bytes and all.
    const long = `${'p'.repeat(120)}AB.txt`
    const buf = await bufferOf(tarOf([{ name: `output/${long}`, body: 'x' }]))
    const at = buf.indexOf(`path=output/${long}`) + 'path=output/'.length + 120
    Buffer.from([0xff, 0xfe]).copy(buf, at)
    const { result } = await unpackAndCollect(Readable.from([buf]))
    const local = await collectLocal((out) => {
      const name = Buffer.concat([Buffer.from('p'.repeat(120)), Buffer.from([0xff, 0xfe, 0x2e])])
      fs.writeFileSync(Buffer.concat([Buffer.from(`${out}/`), name, Buffer.from('txt')]), 'x')
    })
    expect(result.artifacts).toEqual([])
    expect(result.warnings).toEqual(local.warnings)
  })

  it('an entry under a refused link is never written through it', async () => {
    const outside = tempDir()
    const { result } = await unpackAndCollect(
      tarOf([
        { name: 'output/l', type: 'symlink', linkname: outside },
        { name: 'output/l/x', body: 'through the link' },
      ]),
    )
    expect(fs.readdirSync(outside)).toEqual([])
    expect(result.warnings.map((w) => [w.path, w.code])).toEqual([
      ['l', 'artifact_rejected:symlink'],
    ])
  })

  it('a later entry replaces an earlier one of the same name, as extracting does', async () => {
    const { result } = await unpackAndCollect(
      tarOf([
        { name: 'output/x', body: 'first' },
        { name: 'output/x', type: 'symlink', linkname: '/etc/passwd' },
        { name: 'output/y', type: 'symlink', linkname: '/etc/passwd' },
        { name: 'output/y', body: 'second' },
      ]),
    )
    expect(result.artifacts.map((a) => [a.name, a.sizeBytes])).toEqual([['y', 6]])
    expect(result.warnings.map((w) => [w.path, w.code])).toEqual([
      ['x', 'artifact_rejected:symlink'],
    ])
  })

  it('past the per-run quota of entries the rest is cut and reported', async () => {
    const { result } = await unpackAndCollect(
      tarOf(Array.from({ length: 20 }, (_, i) => ({ name: `output/f${i}`, body: 'x' }))),
      { ...UNPACK, maxEntries: 10 },
    )
    expect(result.artifacts.length).toBeLessThan(10)
    expect(result.warnings.at(-1)).toEqual({
      code: 'output_quota',
      message: '/output held more than 10 entries: the rest was not collected',
    })
  })

  it('a truncated stream keeps what came and says the rest is missing', async () => {
    const whole = await bufferOf(tarOf([{ name: 'output/a.txt', body: 'a'.repeat(2000) }]))
    const { result } = await unpackAndCollect(Readable.from([whole.subarray(0, 1500)]))
    expect(result.warnings.map((w) => w.code)).toContain('artifact_error')
  })
})

describe("unpackOutput: Podman's names (/, /a, /a/b.txt)", () => {
  it('the same verdicts as the local collection, hostile names and links included', async () => {
    // As Podman 4.3.1 sends /output (measured): names rooted at `/`, no `output/`.
    const podman = tarOf(
      [
        { name: '/a', type: 'directory', mode: 0o755 },
        { name: '/a/b.txt', body: 'same' },
        { name: '/h', type: 'link', linkname: '/a/b.txt' },
        { name: '/passwd', type: 'link', linkname: '/etc/passwd' },
        { name: '/l', type: 'symlink', linkname: '/etc/passwd' },
        { name: '/f', type: 'fifo' },
        { name: '/result.json', body: '{"ok": true}' },
        { name: '/../evil1', body: 'x' },
        { name: 'output/evil2', body: 'x' },
        { name: 'evil3', body: 'x' },
        { name: '//evil4', body: 'x' },
      ],
      undefined,
      '/',
    )
    const { dir, result } = await unpackAndCollect(podman, UNPACK, '')
    const local = await collectLocal((o) => {
      fs.mkdirSync(path.join(o, 'a'))
      fs.writeFileSync(path.join(o, 'a', 'b.txt'), 'same')
      fs.linkSync(path.join(o, 'a', 'b.txt'), path.join(o, 'h'))
      fs.symlinkSync('/etc/passwd', path.join(o, 'l'))
      execFileSync('mkfifo', [path.join(o, 'f')])
      fs.writeFileSync(path.join(o, 'result.json'), '{"ok": true}')
    })
    expect(result.artifacts).toEqual(local.artifacts)
    expect(result.parsed.output).toEqual({ ok: true })
    expect(result.warnings.map((w) => [w.code, w.path ?? ''])).toEqual(
      expect.arrayContaining([
        ['artifact_rejected:hardlink', 'passwd'],
        ['artifact_rejected:symlink', 'l'],
        ['artifact_rejected:fifo', 'f'],
      ]),
    )
    const outside = result.warnings.filter((w) => w.code === 'artifact_rejected:name')
    expect(outside.map((w) => w.path).sort()).toEqual([
      '/../evil1',
      '//evil4',
      'evil3',
      'output/evil2',
    ])
    expect(fs.readdirSync(dir)).toEqual(['artifacts'])
    expect(fs.readdirSync(path.join(dir, 'artifacts')).sort()).toEqual(['a', 'h', 'result.json'])
  })
})

async function bufferOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of stream) chunks.push(c as Buffer)
  return Buffer.concat(chunks)
}

/** A tar with one file whose ustar name holds raw bytes `raw` in place of `AB` (not UTF-8). */
async function rawNameTar(name: string, raw: Buffer): Promise<Readable> {
  const buf = await bufferOf(tarOf([{ name, body: 'x' }]))
  // The second header (after output/) holds the name; patch it and its checksum.
  const h = buf.subarray(512, 1024)
  const at = h.indexOf('AB')
  raw.copy(h, at)
  h.fill(0x20, 148, 156)
  let sum = 0
  for (const b of h) sum += b
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1')
  return Readable.from([buf])
}
