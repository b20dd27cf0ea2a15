import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { launchWarm } from '../../src/main/engine/launch'
import type { WarmContainer } from '../../src/main/engine/warm-pool'
import { dockerFrame as frame } from './fake-container-client'

let tmp: string
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-warm-launch-'))
})
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true })
})

/** A warm container of our own interface whose raw attach chunks the test pushes. */
function fakeWarm(): {
  warm: WarmContainer
  push: (chunk: Buffer) => void
  exit: (code: number) => void
} {
  let sink: ((chunk: Buffer) => void) | null = null
  let exit: (code: number) => void = () => undefined
  const dirs = ['code', 'input', 'output'].map((d) => {
    const p = path.join(tmp, 'slot', d)
    fs.mkdirSync(p, { recursive: true })
    return p
  })
  const warm: WarmContainer = {
    id: 'warm-1',
    key: 'k',
    slotDir: path.join(tmp, 'slot'),
    codeDir: dirs[0],
    inputDir: dirs[1],
    outputDir: dirs[2],
    stream: new PassThrough(),
    exited: new Promise((r) => (exit = r)),
    setSink: (s) => (sink = s),
    streamEnded: new Promise(() => undefined),
    readyAt: 0,
    cgroupParent: null,
    alive: () => true,
  }
  return { warm, push: (c) => sink?.(c), exit: (c) => exit(c) }
}

function runFiles(): { codeFile: string; inputFile: string; outputDir: string } {
  const codeFile = path.join(tmp, 'main.py')
  const inputFile = path.join(tmp, 'input.json')
  fs.writeFileSync(codeFile, 'print(1)')
  fs.writeFileSync(inputFile, '{}')
  return { codeFile, inputFile, outputDir: path.join(tmp, 'out') }
}

describe('launchWarm', () => {
  it('passes every byte through as it arrives, whatever the script writes (linear, nothing held)', () => {
    const { warm, push } = fakeWarm()
    let delivered = 0
    let deliveries = 0
    launchWarm(warm, runFiles(), (_s, p) => {
      delivered += p.length
      deliveries++
    })
    // A dangling end-marker prefix, then a flood with no newline at all.
    const prefix = Buffer.from('\u0000TAKO-END 0123456789abcdef0123456789abcdef ')
    push(frame(1, prefix))
    expect(delivered).toBe(prefix.length)
    const block = Buffer.alloc(64 * 1024, 0x7a)
    let sent = prefix.length
    for (let i = 0; i < 2_000; i++) {
      push(frame(i % 2 === 0 ? 1 : 2, block))
      sent += block.length
      expect(delivered).toBe(sent)
    }
    expect(deliveries).toBe(2_001)
  })

  it('takes the exit code from Docker, not from anything printed', async () => {
    const { warm, push, exit } = fakeWarm()
    const launch = launchWarm(warm, runFiles(), () => undefined)
    push(frame(1, Buffer.from('\u0000TAKO-END 0123 0\n')))
    exit(3)
    expect(await launch.exited()).toBe(3)
  })

  it('writes the run files read-only into the slot and starts with the go line', async () => {
    const { warm } = fakeWarm()
    const launch = launchWarm(warm, runFiles(), () => undefined)
    const written: string[] = []
    ;(warm.stream as PassThrough).on('data', (d: Buffer) => written.push(d.toString()))
    await launch.begin()
    expect(written.join('')).toBe('go\n')
    expect(fs.readFileSync(path.join(warm.codeDir, 'main.py'), 'utf8')).toBe('print(1)')
    expect(fs.statSync(path.join(warm.inputDir, 'data.json')).mode & 0o777).toBe(0o444)
  })
})
