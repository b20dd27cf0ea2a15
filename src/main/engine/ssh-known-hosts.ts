// The ssh host key check, as `ssh` makes it for the Docker CLI (see docs/remote-hosts.md, 'ssh'): the
// key the host presents must be listed for it in ~/.ssh/known_hosts (or /etc/ssh/ssh_known_hosts).
// A host not listed is refused (there is no terminal to ask "are you sure?"), and so is a host that
// presents another key than the one listed. Plain and hashed (`HashKnownHosts yes`) entries, `*`/`?`
// patterns, `!` negations and `@revoked` are understood; `@cert-authority` lines are not used.
import { createHash, createHmac } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

export interface KnownHostsFile {
  file: string
  text: string
}

export type HostKeyVerdict =
  | { kind: 'known'; file: string; line: number }
  | { kind: 'unknown' }
  | { kind: 'changed'; file: string; line: number }
  | { kind: 'revoked'; file: string; line: number }

/** The files `ssh` reads by default, those that exist. */
export function knownHostsFiles(home: string): KnownHostsFile[] {
  const files = [
    path.join(home, '.ssh', 'known_hosts'),
    path.join(home, '.ssh', 'known_hosts2'),
    '/etc/ssh/ssh_known_hosts',
    '/etc/ssh/ssh_known_hosts2',
  ]
  const out: KnownHostsFile[] = []
  for (const file of files) {
    try {
      out.push({ file, text: fs.readFileSync(file, 'utf8') })
    } catch {
      // absent or unreadable: as ssh, skip it
    }
  }
  return out
}

/** The name a host is listed under: `host` on port 22, `[host]:port` otherwise. */
export function hostEntryName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`
}

function wildcard(pattern: string, name: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
  return new RegExp(`^${re}$`, 'i').test(name)
}

/** `|1|salt|hash`: HMAC-SHA1 of the name keyed with the salt. */
function hashedMatch(entry: string, name: string): boolean {
  const [, magic, salt, hash] = entry.split('|')
  if (magic !== '1' || !salt || !hash) return false
  const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64')
  return mac === hash
}

/** Whether a comma-separated host list names `name` (a negated match wins, as in ssh). */
function listMatches(list: string, name: string): boolean {
  let matched = false
  for (const p of list.split(',')) {
    if (p.startsWith('|')) {
      if (hashedMatch(p, name)) matched = true
    } else if (p.startsWith('!')) {
      if (wildcard(p.slice(1), name)) return false
    } else if (wildcard(p, name)) {
      matched = true
    }
  }
  return matched
}

/** Checks `key` (the wire-format blob the host presented) against the files, as ssh would. */
export function checkHostKey(
  files: KnownHostsFile[],
  host: string,
  port: number,
  key: Buffer,
): HostKeyVerdict {
  const name = hostEntryName(host, port)
  const presented = keyType(key)
  let known: HostKeyVerdict | null = null
  let changed: HostKeyVerdict | null = null
  for (const { file, text } of files) {
    const lines = text.split('\n')
    for (let i = 0; i < lines.length; i++) {
      const fields = (lines[i] ?? '').trim().split(/\s+/)
      if (!fields[0] || fields[0].startsWith('#')) continue
      const marker = fields[0].startsWith('@') ? fields.shift() : undefined
      const [hosts, type, blob] = fields
      if (!hosts || !type || !blob || !listMatches(hosts, name)) continue
      const same = Buffer.from(blob, 'base64').equals(key)
      if (marker === '@revoked') {
        if (same) return { kind: 'revoked', file, line: i + 1 }
        continue
      }
      if (marker) continue
      if (same) known ??= { kind: 'known', file, line: i + 1 }
      else if (type === presented) changed ??= { kind: 'changed', file, line: i + 1 }
    }
  }
  // ssh accepts a key listed anywhere, even when another line has an older key of the same type.
  return known ?? changed ?? { kind: 'unknown' }
}

/** `SHA256:…` as `ssh` and `ssh-keygen -l` print it. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`
}

/** The key type named in a wire-format key blob (`ssh-ed25519`, `ecdsa-sha2-nistp256`, …). */
export function keyType(key: Buffer): string {
  return key.subarray(4, 4 + key.readUInt32BE(0)).toString('latin1')
}

/** Why a host key was refused, in words a person can act on; null when it is known. */
export function hostKeyRefusal(
  verdict: HostKeyVerdict,
  target: { host: string; port: number; home: string },
  key: Buffer,
): string | null {
  const name = hostEntryName(target.host, target.port)
  const shown = `${keyType(key)} ${fingerprint(key)}`
  const portFlag = target.port === 22 ? '' : ` -p ${target.port}`
  const userFile = path.join(target.home, '.ssh', 'known_hosts')
  switch (verdict.kind) {
    case 'known':
      return null
    case 'unknown':
      return (
        `${name} is not a known ssh host: its key (${shown}) is in no known_hosts file ` +
        `(${userFile}, /etc/ssh/ssh_known_hosts). Check the fingerprint with the host's owner, then ` +
        `connect once with \`ssh${portFlag} ${target.host}\` and answer yes, or add it with ` +
        `\`ssh-keyscan${portFlag} ${target.host} >> ${userFile}\`, as the docker CLI also needs.`
      )
    case 'changed':
      return (
        `The ssh host key of ${name} has changed: it presented ${shown}, but ${verdict.file} ` +
        `(line ${verdict.line}) lists another key for it. Someone may be intercepting the connection, ` +
        `or the host was reinstalled. If the change is expected, remove the old entry with ` +
        `\`ssh-keygen -R "${name}"\` and add the new key.`
      )
    case 'revoked':
      return `The ssh host key of ${name} (${shown}) is marked @revoked in ${verdict.file} (line ${verdict.line}).`
  }
}
