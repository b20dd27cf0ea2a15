import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sweepTrash, TRASH_PREFIX } from '../../src/main/engine/remove-tree'

describe('sweepTrash', () => {
  let root: string
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-sweep-'))
  })
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }))

  it('finishes a deletion a crashed process left half done, without following links', async () => {
    const runs = path.join(root, 'runs')
    const outside = path.join(root, 'outside')
    fs.mkdirSync(outside)
    fs.writeFileSync(path.join(outside, 'keep.txt'), 'host file')
    const trash = path.join(runs, `${TRASH_PREFIX}abc123`)
    fs.mkdirSync(path.join(trash, '0', 'deep', 'er'), { recursive: true })
    fs.writeFileSync(path.join(trash, '0', 'deep', 'er', 'f.txt'), 'x')
    fs.symlinkSync(outside, path.join(trash, '0', 'link-to-host'))
    fs.mkdirSync(path.join(runs, 'run-1'))
    fs.writeFileSync(path.join(runs, 'run-1', 'run.json'), '{}')

    expect(await sweepTrash(runs)).toBe(1)

    expect(fs.readdirSync(runs)).toEqual(['run-1'])
    expect(fs.readFileSync(path.join(outside, 'keep.txt'), 'utf8')).toBe('host file')
    expect(fs.readFileSync(path.join(runs, 'run-1', 'run.json'), 'utf8')).toBe('{}')
  })

  it('is a no-op for a folder that does not exist', async () => {
    expect(await sweepTrash(path.join(root, 'missing'))).toBe(0)
  })
})
