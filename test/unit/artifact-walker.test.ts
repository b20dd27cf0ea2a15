import { execFileSync, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, it, expect } from 'vitest'
import { collectArtifacts, type WalkLimits } from '../../src/main/engine/artifact-walker'

const LIMITS: WalkLimits = {
  artifactCount: 10_000,
  artifactBytes: 100 * 1024 * 1024,
  artifactTotalBytes: 500 * 1024 * 1024,
  artifactDepth: 16,
}

let out: string
let host: string

beforeEach(() => {
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-output-'))
  host = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-host-'))
})

afterEach(() => {
  // rm copes with trees deeper than PATH_MAX and with folders a test made mode 000
  execFileSync('rm', ['-rf', out, host])
})

function put(rel: string, content: string | Buffer): void {
  const file = path.join(out, rel)
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, content)
}

const sha = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex')
const codes = (w: { code: string }[]): string[] => w.map((x) => x.code)

describe('collectArtifacts: regular files', () => {
  it('lists nested files with size, sha256 and content type, sorted by name', async () => {
    put('result.json', '{"a": 1}')
    put('plots/b.png', Buffer.from([0x89, 0x50, 0x4e, 0x47]))
    put('plots/a.svg', '<svg/>')
    put('data/deep/er/table.CSV', 'x,y\n1,2\n')
    put('empty', '')
    put('Z.txt', 'upper')
    const r = await collectArtifacts(out, LIMITS)
    expect(r.warnings).toEqual([])
    expect(r.artifacts).toEqual([
      { name: 'Z.txt', sizeBytes: 5, sha256: sha('upper'), contentType: 'text/plain' },
      {
        name: 'data/deep/er/table.CSV',
        sizeBytes: 8,
        sha256: sha('x,y\n1,2\n'),
        contentType: 'text/csv',
      },
      { name: 'empty', sizeBytes: 0, sha256: sha(''), contentType: 'application/octet-stream' },
      { name: 'plots/a.svg', sizeBytes: 6, sha256: sha('<svg/>'), contentType: 'image/svg+xml' },
      {
        name: 'plots/b.png',
        sizeBytes: 4,
        sha256: sha(Buffer.from([0x89, 0x50, 0x4e, 0x47])),
        contentType: 'image/png',
      },
      {
        name: 'result.json',
        sizeBytes: 8,
        sha256: sha('{"a": 1}'),
        contentType: 'application/json',
      },
    ])
    expect(r.totalBytes).toBe(5 + 8 + 0 + 6 + 4 + 8)
  })

  it('hashes a file larger than one read chunk correctly', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17)
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff
    put('big.bin', big)
    const [a] = (await collectArtifacts(out, LIMITS)).artifacts
    expect(a).toMatchObject({ name: 'big.bin', sizeBytes: big.length, sha256: sha(big) })
  })

  it('returns nothing for an empty folder', async () => {
    expect(await collectArtifacts(out, LIMITS)).toEqual({
      artifacts: [],
      warnings: [],
      totalBytes: 0,
    })
  })

  it('still collects a file and a folder the script made mode 000', async () => {
    put('locked.txt', 'secret-ish')
    put('closed/inner.txt', 'inside')
    fs.chmodSync(path.join(out, 'locked.txt'), 0o000)
    fs.chmodSync(path.join(out, 'closed'), 0o000)
    const r = await collectArtifacts(out, LIMITS)
    expect(r.warnings).toEqual([])
    expect(r.artifacts.map((a) => [a.name, a.sha256])).toEqual([
      ['closed/inner.txt', sha('inside')],
      ['locked.txt', sha('secret-ish')],
    ])
  })
})

describe('collectArtifacts: links and special files', () => {
  it('removes a symlink to a host file without touching or reading the host file', async () => {
    const secret = path.join(host, 'id_rsa')
    fs.writeFileSync(secret, 'PRIVATE KEY')
    fs.symlinkSync(secret, path.join(out, 'a.txt'))
    put('ok.txt', 'fine')
    const r = await collectArtifacts(out, LIMITS)
    expect(r.artifacts.map((a) => a.name)).toEqual(['ok.txt'])
    expect(r.artifacts.some((a) => a.sha256 === sha('PRIVATE KEY'))).toBe(false)
    expect(r.warnings).toHaveLength(1)
    expect(r.warnings[0]).toMatchObject({ code: 'artifact_rejected:symlink', path: 'a.txt' })
    expect(fs.existsSync(path.join(out, 'a.txt'))).toBe(false)
    expect(fs.readFileSync(secret, 'utf8')).toBe('PRIVATE KEY')
  })

  it('does not descend into a symlinked directory, and leaves its target intact', async () => {
    fs.mkdirSync(path.join(host, 'home'))
    fs.writeFileSync(path.join(host, 'home', 'notes.txt'), 'host notes')
    fs.symlinkSync(host, path.join(out, 'root'))
    const r = await collectArtifacts(out, LIMITS)
    expect(r.artifacts).toEqual([])
    expect(r.warnings).toEqual([
      expect.objectContaining({ code: 'artifact_rejected:symlink', path: 'root' }),
    ])
    expect(fs.existsSync(path.join(out, 'root'))).toBe(false)
    expect(fs.readFileSync(path.join(host, 'home', 'notes.txt'), 'utf8')).toBe('host notes')
  })

  it('rejects a symlink nested in a subfolder with its relative path', async () => {
    put('sub/real.txt', 'real')
    fs.symlinkSync('/etc/passwd', path.join(out, 'sub', 'passwd'))
    const r = await collectArtifacts(out, LIMITS)
    expect(r.artifacts.map((a) => a.name)).toEqual(['sub/real.txt'])
    expect(r.warnings).toEqual([
      expect.objectContaining({ code: 'artifact_rejected:symlink', path: 'sub/passwd' }),
    ])
  })

  it('removes a FIFO without opening it, so it does not hang', async () => {
    const fifo = path.join(out, 'pipe.csv')
    execFileSync('mkfifo', [fifo])
    put('after.txt', 'after')
    // Would unblock a blocking open after 2 s; the walk must finish long before that.
    const writer = spawn('sh', ['-c', `sleep 2; echo data > "${fifo}"`], { stdio: 'ignore' })
    try {
      const t0 = Date.now()
      const r = await collectArtifacts(out, LIMITS)
      expect(Date.now() - t0).toBeLessThan(1000)
      expect(r.artifacts.map((a) => a.name)).toEqual(['after.txt'])
      expect(r.warnings).toEqual([
        expect.objectContaining({ code: 'artifact_rejected:fifo', path: 'pipe.csv' }),
      ])
      expect(fs.existsSync(fifo)).toBe(false)
    } finally {
      writer.kill('SIGKILL')
      await new Promise((resolve) => writer.once('exit', resolve))
    }
  })

  it('removes a unix socket', async () => {
    const sock = path.join(out, 's.sock')
    const server = net.createServer()
    await new Promise<void>((resolve) => server.listen(sock, resolve))
    try {
      const r = await collectArtifacts(out, LIMITS)
      expect(r.artifacts).toEqual([])
      expect(codes(r.warnings)).toEqual(['artifact_rejected:socket'])
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('removes a file whose name is not valid UTF-8', async () => {
    const bad = Buffer.concat([Buffer.from(out + '/'), Buffer.from([0x66, 0xff, 0xfe, 0x2e])])
    fs.writeFileSync(bad, 'x')
    put('good.txt', 'g')
    const r = await collectArtifacts(out, LIMITS)
    expect(r.artifacts.map((a) => a.name)).toEqual(['good.txt'])
    expect(codes(r.warnings)).toEqual(['artifact_rejected:name'])
    expect(fs.existsSync(bad)).toBe(false)
  })

  it('removes a file whose name contains a backslash', async () => {
    put('a\\b.txt', 'x')
    const r = await collectArtifacts(out, LIMITS)
    expect(r.artifacts).toEqual([])
    expect(r.warnings).toEqual([
      expect.objectContaining({ code: 'artifact_rejected:name', path: 'a\\b.txt' }),
    ])
  })
})

describe('collectArtifacts: limits', () => {
  it('removes folders deeper than the depth limit and keeps the rest', async () => {
    put('1/f.txt', 'one')
    put('1/2/f.txt', 'two')
    put('1/2/3/f.txt', 'three')
    put('1/2/3/4/f.txt', 'four')
    const r = await collectArtifacts(out, { ...LIMITS, artifactDepth: 2 })
    expect(r.artifacts.map((a) => a.name)).toEqual(['1/2/f.txt', '1/f.txt'])
    expect(r.warnings).toEqual([
      expect.objectContaining({ code: 'artifact_limit:depth', path: '1/2/3' }),
    ])
    expect(fs.existsSync(path.join(out, '1', '2', '3'))).toBe(false)
  })

  it('removes an over-depth folder without following the links inside it', async () => {
    fs.writeFileSync(path.join(host, 'keep.txt'), 'host file')
    put('1/2/3/x.txt', 'x')
    fs.symlinkSync(host, path.join(out, '1', '2', '3', 'hostdir'))
    fs.symlinkSync(path.join(host, 'keep.txt'), path.join(out, '1', '2', '3', 'hostfile'))
    const r = await collectArtifacts(out, { ...LIMITS, artifactDepth: 2 })
    expect(codes(r.warnings)).toEqual(['artifact_limit:depth'])
    expect(fs.existsSync(path.join(out, '1', '2', '3'))).toBe(false)
    expect(fs.readdirSync(path.join(out, '1', '2'))).toEqual([])
    expect(fs.readdirSync(host)).toEqual(['keep.txt'])
    expect(fs.readFileSync(path.join(host, 'keep.txt'), 'utf8')).toBe('host file')
  })

  it(
    'removes a 5,000-deep tree past PATH_MAX without overflowing the stack',
    { timeout: 120_000 },
    async () => {
      // Built by relative chdir as a script in the container would; its absolute paths exceed PATH_MAX.
      const script =
        `const fs = require('fs'); process.chdir(${JSON.stringify(out)});` +
        `for (let i = 0; i < 5000; i++) { fs.mkdirSync('d'); process.chdir('d') }` +
        `fs.writeFileSync('bottom.txt', 'deep')`
      execFileSync(process.execPath, ['-e', script])
      put('top.txt', 'top')
      const r = await collectArtifacts(out, LIMITS)
      expect(r.artifacts.map((a) => a.name)).toEqual(['top.txt'])
      expect(r.warnings).toEqual([
        expect.objectContaining({
          code: 'artifact_limit:depth',
          path: Array(17).fill('d').join('/'),
        }),
      ])
      const dirs = Array<string>(LIMITS.artifactDepth).fill('d')
      expect(fs.readdirSync(path.join(out, ...dirs))).toEqual([])
      // the run folder can be deleted afterwards
      expect(() => fs.rmSync(out, { recursive: true })).not.toThrow()
    },
  )

  it('removes a folder with a non-UTF-8 name together with its contents', async () => {
    const bad = Buffer.concat([Buffer.from(out + '/'), Buffer.from([0xc0, 0xaf])])
    fs.mkdirSync(bad)
    fs.writeFileSync(Buffer.concat([bad, Buffer.from('/inner.txt')]), 'x')
    const r = await collectArtifacts(out, LIMITS)
    expect(r.artifacts).toEqual([])
    expect(codes(r.warnings)).toEqual(['artifact_rejected:name'])
    expect(fs.readdirSync(out)).toEqual([])
  })

  it('keeps at most artifactCount files and reports the rest with artifact_limit', async () => {
    for (let i = 0; i < 25; i++) put(`f${String(i).padStart(2, '0')}.txt`, String(i))
    const r = await collectArtifacts(out, { ...LIMITS, artifactCount: 10 })
    expect(r.artifacts).toHaveLength(10)
    expect(r.artifacts.map((a) => a.name)).toEqual(
      Array.from({ length: 10 }, (_, i) => `f${String(i).padStart(2, '0')}.txt`),
    )
    const limit = r.warnings.filter((w) => w.code === 'artifact_limit')
    expect(limit).toHaveLength(1)
    expect(limit[0]?.message).toContain('15 more files')
    expect(fs.readdirSync(out)).toHaveLength(10)
  })

  it('removes a file over the per-file size limit', async () => {
    put('small.txt', 'x'.repeat(100))
    put('big.txt', 'x'.repeat(101))
    const r = await collectArtifacts(out, { ...LIMITS, artifactBytes: 100 })
    expect(r.artifacts.map((a) => a.name)).toEqual(['small.txt'])
    expect(r.warnings).toEqual([
      expect.objectContaining({ code: 'artifact_limit:size', path: 'big.txt' }),
    ])
    expect(fs.existsSync(path.join(out, 'big.txt'))).toBe(false)
  })

  it('checks a sparse file by size without reading it', async () => {
    const fd = fs.openSync(path.join(out, 'sparse.bin'), 'w')
    fs.ftruncateSync(fd, 1024 ** 4)
    fs.closeSync(fd)
    const t0 = Date.now()
    const r = await collectArtifacts(out, LIMITS)
    expect(Date.now() - t0).toBeLessThan(2000)
    expect(r.artifacts).toEqual([])
    expect(codes(r.warnings)).toEqual(['artifact_limit:size'])
  })

  it('stops adding files once the total size limit would be exceeded', async () => {
    put('a.bin', Buffer.alloc(40))
    put('b.bin', Buffer.alloc(40))
    put('c.bin', Buffer.alloc(40))
    put('d.bin', Buffer.alloc(20))
    const r = await collectArtifacts(out, { ...LIMITS, artifactTotalBytes: 100 })
    expect(r.artifacts.map((a) => a.name)).toEqual(['a.bin', 'b.bin', 'd.bin'])
    expect(r.totalBytes).toBe(100)
    expect(r.warnings).toEqual([
      expect.objectContaining({ code: 'artifact_limit:total', path: 'c.bin' }),
    ])
  })
})

/** Every entry under `dir` (links not followed) with its mode and, for files, its sha256. */
function snapshot(dir: string): string[] {
  const lines: string[] = []
  const walk = (d: string, rel: string): void => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name)
      const st = fs.lstatSync(p)
      const mode = (st.mode & 0o7777).toString(8)
      if (st.isDirectory()) {
        lines.push(`${rel}${name}/ ${mode}`)
        walk(p, `${rel}${name}/`)
      } else if (st.isFile()) lines.push(`${rel}${name} ${mode} ${sha(fs.readFileSync(p))}`)
      else lines.push(`${rel}${name} ${mode} -> ${fs.readlinkSync(p)}`)
    }
  }
  walk(dir, '')
  return lines
}

/** A host folder a live script would like the walker (root) to damage or reveal. */
function plantHostFiles(): string[] {
  fs.mkdirSync(path.join(host, 'b'))
  fs.writeFileSync(path.join(host, 'b', 'host-secret.txt'), 'HOST SECRET')
  fs.writeFileSync(path.join(host, 'suid-tool'), 'binary')
  fs.chmodSync(path.join(host, 'suid-tool'), 0o4755)
  fs.writeFileSync(path.join(host, 'shared.txt'), 'shared')
  fs.chmodSync(path.join(host, 'shared.txt'), 0o666)
  fs.chmodSync(path.join(host, 'b'), 0o777)
  fs.symlinkSync('/etc/passwd', path.join(host, 'passwd-link'))
  fs.writeFileSync(path.join(host, 'b', 'big.bin'), Buffer.alloc(300))
  return snapshot(host)
}

/**
 * Walks `out` (files over 100 bytes are removed) while a "live script" replaces the folder `a` by a
 * link to the host folder just before the walk descends into `trigger`.
 */
function walkSwappingAt(trigger: string, useProcFd: boolean) {
  return collectArtifacts(
    out,
    { ...LIMITS, artifactBytes: 100 },
    {
      useProcFd,
      onBeforeDescend: (rel) => {
        if (rel !== trigger) return
        fs.renameSync(path.join(out, 'a'), path.join(out, 'moved'))
        fs.symlinkSync(host, path.join(out, 'a'))
      },
    },
  )
}

describe.each([
  ['directory descriptors (/proc/self/fd)', true],
  ['the path-based fallback', false],
])('collectArtifacts: a live script swapping folders, with %s', (_label, useProcFd) => {
  it('never follows a folder swapped for a link to a host folder after it was listed', async () => {
    const before = plantHostFiles()
    put('a/own.txt', 'mine')
    put('z.txt', 'z')
    const r = await walkSwappingAt('a', useProcFd)
    expect(snapshot(host)).toEqual(before)
    expect(r.artifacts.map((a) => a.name)).toEqual(['z.txt'])
    expect(JSON.stringify(r)).not.toContain('host-secret')
    expect(JSON.stringify(r)).not.toContain('suid-tool')
    expect(r.warnings).toEqual([expect.objectContaining({ code: 'artifact_error', path: 'a' })])
    expect(fs.existsSync(path.join(out, 'a'))).toBe(false)
  })

  it('keeps walking the real folder when its parent is swapped for a link mid-walk', async () => {
    const before = plantHostFiles()
    put('a/b/x.txt', 'real x')
    put('a/b/c/y.txt', 'real y')
    fs.symlinkSync('/etc/hostname', path.join(out, 'a', 'b', 'c', 'planted'))
    const r = await walkSwappingAt('a/b', useProcFd)
    expect(snapshot(host)).toEqual(before)
    expect(JSON.stringify(r)).not.toContain('host-secret')
    expect(r.artifacts.some((a) => a.sha256 === sha('HOST SECRET'))).toBe(false)
    if (useProcFd) {
      // The descriptor of `a` still holds the real folder: its files are collected, its link removed.
      expect(r.artifacts.map((a) => a.name)).toEqual(['a/b/c/y.txt', 'a/b/x.txt'])
      expect(r.warnings).toEqual([
        expect.objectContaining({ code: 'artifact_rejected:symlink', path: 'a/b/c/planted' }),
      ])
      expect(fs.existsSync(path.join(out, 'moved', 'b', 'c', 'planted'))).toBe(false)
    } else {
      // The fallback notices that `a` left the root and stops there.
      expect(r.artifacts).toEqual([])
      expect(codes(r.warnings)).toEqual(['artifact_error'])
    }
  })
})
