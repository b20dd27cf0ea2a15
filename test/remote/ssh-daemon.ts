// The ssh "remote host" of the ssh pass (TAKO_REMOTE=ssh): a private sshd on 127.0.0.1:<free port>
// with its own config, host key and authorized keys, all made by the test in a temporary folder, and a
// home folder for the client side (~/.ssh/id_ed25519 and a hashed known_hosts, as `ssh` leaves them).
// Behind it is this machine's main dockerd: over ssh the engine runs `docker system dial-stdio` as
// root, which reaches /var/run/docker.sock. `stop()` stops the sshd and removes the folder.
import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { LABEL_OWNER } from '../../src/main/engine/container-spec'
import { freePort } from '../integration/helpers'
import type { RemoteDaemon } from './daemons'

/** What the ssh tests need besides the environment (see `inject('remoteSsh')`). */
export interface SshFixture {
  port: number
  /** ssh://root@127.0.0.1:<port> */
  host: string
  /** Homes for the client side, each with its own ~/.ssh (see startSshd). */
  homes: {
    /** The authorized key as ~/.ssh/id_ed25519, the host in a hashed known_hosts. */
    good: string
    /** A key sshd does not accept, the host known. */
    wrongKey: string
    /** The right key, no known_hosts at all. */
    unknownHost: string
    /** The right key, known_hosts holding another key for this host (a changed host key). */
    changedHost: string
    /** The host known, the right key only as a passphrase-protected file. */
    encryptedKey: string
    /** The host known, no key files (the key is given through an ssh agent). */
    noKeys: string
    /** Authorized, but sshd runs `exit 127` instead of docker (as on a host without docker). */
    noDocker: string
  }
  /** The authorized private key file (for ssh-add). */
  goodKey: string
  /** The host key's `SHA256:…` fingerprint, as `ssh-keygen -l` prints it. */
  hostFingerprint: string
  /** sshd's log (`-e`, LogLevel VERBOSE): one "Accepted publickey" line per ssh connection. */
  logFile: string
}

/** The parent pid of `pid` from /proc (0 when it is gone). */
function parentPid(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  } catch {
    return 0
  }
}

/**
 * A container made by this test run: its owner label names this process or one of its test workers
 * (vitest's forks are its children). Others' containers on the shared main daemon are not counted.
 */
export function ownedByThisRun(labels: Record<string, string>): boolean {
  const pid = Number((labels[LABEL_OWNER] ?? '').split(':')[1])
  return Number.isInteger(pid) && pid > 0 && (pid === process.pid || parentPid(pid) === process.pid)
}

const log = (msg: string): void => console.log(`[ssh] ${msg}`)

function keygen(file: string, extra: string[] = []): void {
  execFileSync(
    'ssh-keygen',
    ['-q', '-t', 'ed25519', '-N', '', '-C', 'tako-test', ...extra, '-f', file],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  )
}

function makeHome(
  root: string,
  name: string,
  key: string | null,
  knownHosts: string | null,
): string {
  const home = path.join(root, 'homes', name)
  fs.mkdirSync(path.join(home, '.ssh'), { recursive: true, mode: 0o700 })
  if (key) fs.copyFileSync(key, path.join(home, '.ssh', 'id_ed25519'))
  if (knownHosts !== null) fs.writeFileSync(path.join(home, '.ssh', 'known_hosts'), knownHosts)
  return home
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1')
    s.once('data', (d) => {
      s.destroy()
      resolve(d.toString('latin1').startsWith('SSH-2.0-'))
    })
    s.once('error', () => resolve(false))
  })
}

export async function startSshd(): Promise<RemoteDaemon & { ssh: SshFixture }> {
  const root = fs.mkdtempSync('/tmp/tks-')
  let proc: ReturnType<typeof spawn> | null = null
  const stop = async (): Promise<void> => {
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const p = proc
      const exited = new Promise<void>((r) => p.once('exit', () => r()))
      p.kill('SIGTERM')
      await exited
    }
    fs.rmSync(root, { recursive: true, force: true })
  }
  try {
    const keys = path.join(root, 'keys')
    fs.mkdirSync(keys, { mode: 0o700 })
    const f = (name: string): string => path.join(keys, name)
    keygen(f('host'))
    keygen(f('other-host'))
    keygen(f('client'))
    keygen(f('wrong-client'))
    keygen(f('no-docker'))
    fs.copyFileSync(f('client'), f('client-encrypted'))
    execFileSync('ssh-keygen', [
      '-q',
      '-p',
      '-P',
      '',
      '-N',
      'secret words',
      '-f',
      f('client-encrypted'),
    ])
    const pub = (name: string): string => fs.readFileSync(f(`${name}.pub`), 'utf8').trim()
    fs.writeFileSync(
      f('authorized_keys'),
      `${pub('client')}\ncommand="echo docker: command not found >&2; exit 127" ${pub('no-docker')}\n`,
    )
    const port = await freePort()
    const config = path.join(root, 'sshd_config')
    // sshd needs an absolute config path and its privilege-separation folder /run/sshd.
    fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 })
    fs.writeFileSync(
      config,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${f('host')}`,
        `PidFile ${path.join(root, 'sshd.pid')}`,
        `AuthorizedKeysFile ${f('authorized_keys')}`,
        'AuthenticationMethods publickey',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
        'StrictModes no',
        'UsePAM no',
        'AllowTcpForwarding no',
        'X11Forwarding no',
        'PrintMotd no',
        'LogLevel VERBOSE',
        '',
      ].join('\n'),
    )
    const logFile = path.join(root, 'sshd.log')
    const out = fs.openSync(logFile, 'a')
    proc = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: ['ignore', out, out] })
    fs.closeSync(out)
    const deadline = Date.now() + 20_000
    while (!(await listening(port))) {
      if (proc.exitCode !== null || Date.now() > deadline) {
        throw new Error(
          `sshd did not come up (exit ${proc.exitCode}):\n${fs.readFileSync(logFile, 'utf8')}`,
        )
      }
      await new Promise((r) => setTimeout(r, 100))
    }
    // known_hosts as `ssh` writes it on Debian (HashKnownHosts yes): `ssh-keyscan -H`.
    const scanned = execFileSync(
      'ssh-keyscan',
      ['-H', '-t', 'ed25519', '-p', String(port), '127.0.0.1'],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    )
    if (!scanned.includes('ssh-ed25519'))
      throw new Error(`ssh-keyscan found no host key: ${scanned}`)
    const changed = `[127.0.0.1]:${port} ${pub('other-host').split(' ').slice(0, 2).join(' ')}\n`
    const homes = {
      good: makeHome(root, 'good', f('client'), scanned),
      wrongKey: makeHome(root, 'wrong-key', f('wrong-client'), scanned),
      unknownHost: makeHome(root, 'unknown-host', f('client'), null),
      changedHost: makeHome(root, 'changed-host', f('client'), changed),
      encryptedKey: makeHome(root, 'encrypted-key', f('client-encrypted'), scanned),
      noKeys: makeHome(root, 'no-keys', null, scanned),
      noDocker: makeHome(root, 'no-docker', f('no-docker'), scanned),
    }
    const hostFingerprint =
      execFileSync('ssh-keygen', ['-l', '-f', f('host.pub')], { encoding: 'utf8' }).split(' ')[1] ??
      ''
    const host = `ssh://root@127.0.0.1:${port}`
    log(`sshd up at ${host} (root ${root})`)
    return {
      kind: 'ssh',
      // The engine connects as the docker CLI would for this user: no agent, keys from ~/.ssh.
      env: { DOCKER_HOST: host, HOME: homes.good, SSH_AUTH_SOCK: '' },
      certs: null,
      loadSeconds: 0,
      stop,
      ssh: { port, host, homes, goodKey: f('client'), hostFingerprint, logFile },
    }
  } catch (err) {
    await stop()
    throw err
  }
}
