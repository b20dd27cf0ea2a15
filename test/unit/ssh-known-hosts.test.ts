// The ssh host key check (see docs/remote-hosts.md, 'ssh'): known_hosts lines as ssh writes and reads
// them (plain, `[host]:port`, hashed, wildcards, negations, @revoked), and the explanations.
import { createHmac, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  checkHostKey,
  fingerprint,
  hostKeyRefusal,
  type KnownHostsFile,
} from '../../src/main/engine/ssh-known-hosts'

/** A wire-format key blob: string type, then some bytes standing for the key. */
function blob(type: string, seed: string): Buffer {
  const t = Buffer.from(type)
  const len = Buffer.alloc(4)
  len.writeUInt32BE(t.length)
  return Buffer.concat([len, t, Buffer.from(seed)])
}

const KEY = blob('ssh-ed25519', 'the host key')
const OTHER = blob('ssh-ed25519', 'another key')
const RSA = blob('ssh-rsa', 'an rsa key')
const line = (hosts: string, key: Buffer, marker = ''): string =>
  `${marker ? `${marker} ` : ''}${hosts} ${key.subarray(4, 4 + key.readUInt32BE(0)).toString()} ${key.toString('base64')}`

function hashed(name: string): string {
  const salt = randomBytes(20)
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`
}

const files = (...lines: string[]): KnownHostsFile[] => [
  { file: '/home/ada/.ssh/known_hosts', text: `# comment\n\n${lines.join('\n')}\n` },
]

describe('checkHostKey', () => {
  it('a plain entry on port 22, and [host]:port for other ports', () => {
    expect(checkHostKey(files(line('box', KEY)), 'box', 22, KEY)).toMatchObject({
      kind: 'known',
      line: 3,
    })
    expect(checkHostKey(files(line('box', KEY)), 'box', 2222, KEY)).toEqual({ kind: 'unknown' })
    expect(checkHostKey(files(line('[box]:2222', KEY)), 'box', 2222, KEY).kind).toBe('known')
  })

  it('hashed entries (HashKnownHosts yes)', () => {
    const f = files(line(hashed('[10.0.0.2]:2222'), KEY))
    expect(checkHostKey(f, '10.0.0.2', 2222, KEY).kind).toBe('known')
    expect(checkHostKey(f, '10.0.0.3', 2222, KEY).kind).toBe('unknown')
  })

  it('wildcards, lists and negations', () => {
    const f = files(line('*.lab.example,!evil.lab.example', KEY))
    expect(checkHostKey(f, 'gpu1.lab.example', 22, KEY).kind).toBe('known')
    expect(checkHostKey(f, 'evil.lab.example', 22, KEY).kind).toBe('unknown')
    expect(checkHostKey(files(line('gpu?', KEY)), 'gpu7', 22, KEY).kind).toBe('known')
  })

  it('another key of the same type is a changed key; one of another type is not', () => {
    expect(checkHostKey(files(line('box', OTHER)), 'box', 22, KEY)).toMatchObject({
      kind: 'changed',
      line: 3,
    })
    expect(checkHostKey(files(line('box', RSA)), 'box', 22, KEY).kind).toBe('unknown')
    // Listed anywhere is enough, as with ssh.
    expect(checkHostKey(files(line('box', OTHER), line('box', KEY)), 'box', 22, KEY).kind).toBe(
      'known',
    )
  })

  it('@revoked wins; @cert-authority lines are not host keys', () => {
    const f = files(line('box', KEY), line('*', KEY, '@revoked'))
    expect(checkHostKey(f, 'box', 22, KEY).kind).toBe('revoked')
    expect(checkHostKey(files(line('box', KEY, '@cert-authority')), 'box', 22, KEY).kind).toBe(
      'unknown',
    )
  })
})

describe('hostKeyRefusal', () => {
  const target = { host: 'box', port: 2222, home: '/home/ada' }

  it('names the fingerprint and how to add an unknown host', () => {
    const why = hostKeyRefusal({ kind: 'unknown' }, target, KEY)
    expect(why).toContain(`[box]:2222 is not a known ssh host`)
    expect(why).toContain(`ssh-ed25519 ${fingerprint(KEY)}`)
    expect(why).toContain('ssh-keyscan -p 2222 box >> /home/ada/.ssh/known_hosts')
  })

  it('warns about a changed key and says how to remove the old one', () => {
    const why = hostKeyRefusal({ kind: 'changed', file: '/k', line: 4 }, target, KEY)
    expect(why).toMatch(/has changed.*\/k \(line 4\).*intercepting/)
    expect(why).toContain('ssh-keygen -R "[box]:2222"')
  })

  it('nothing to say for a known key', () => {
    expect(hostKeyRefusal({ kind: 'known', file: '/k', line: 1 }, target, KEY)).toBeNull()
  })

  it('fingerprints as ssh-keygen -l prints them', () => {
    expect(fingerprint(KEY)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
  })
})
