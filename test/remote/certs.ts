// Certificates for a TLS Docker daemon, made with openssl as Docker's "Protect the daemon socket"
// guide does: a CA, a server certificate for 127.0.0.1 (IP SAN), a client certificate; and a second,
// unrelated CA with its own client certificate for the "wrong certificates" cases.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

function openssl(cwd: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] })
}

function makeCa(dir: string, name: string): void {
  openssl(dir, 'genrsa', '-out', `${name}-key.pem`, '2048')
  openssl(
    dir,
    'req',
    '-new',
    '-x509',
    '-days',
    '2',
    '-key',
    `${name}-key.pem`,
    '-sha256',
    '-subj',
    `/CN=${name}`,
    '-out',
    `${name}.pem`,
  )
}

function signed(dir: string, ca: string, name: string, ext: string): void {
  openssl(dir, 'genrsa', '-out', `${name}-key.pem`, '2048')
  openssl(
    dir,
    'req',
    '-new',
    '-key',
    `${name}-key.pem`,
    '-subj',
    `/CN=${name}`,
    '-out',
    `${name}.csr`,
  )
  fs.writeFileSync(path.join(dir, `${name}.ext`), ext)
  openssl(
    dir,
    'x509',
    '-req',
    '-days',
    '2',
    '-sha256',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}-key.pem`,
    '-CAcreateserial',
    '-out',
    `${name}.pem`,
    '-extfile',
    `${name}.ext`,
  )
}

export interface CertSet {
  /** For the daemon: --tlscacert, --tlscert, --tlskey. */
  server: { ca: string; cert: string; key: string }
  /** DOCKER_CERT_PATH folders (ca.pem, cert.pem, key.pem). */
  good: string
  /** A client certificate from another CA: the daemon must refuse it. */
  wrongClient: string
  /** The right client certificate, but a ca.pem that did not sign the daemon's certificate. */
  untrustedServer: string
  /** cert.pem with another certificate's key.pem. */
  mismatchedKey: string
}

function certDir(
  root: string,
  name: string,
  files: { ca: string; cert: string; key: string },
): string {
  const dir = path.join(root, name)
  fs.mkdirSync(dir)
  fs.copyFileSync(files.ca, path.join(dir, 'ca.pem'))
  fs.copyFileSync(files.cert, path.join(dir, 'cert.pem'))
  fs.copyFileSync(files.key, path.join(dir, 'key.pem'))
  return dir
}

export function makeCerts(root: string): CertSet {
  const work = path.join(root, 'pki')
  fs.mkdirSync(work, { recursive: true })
  makeCa(work, 'ca')
  makeCa(work, 'rogue-ca')
  signed(work, 'ca', 'server', 'subjectAltName = IP:127.0.0.1\nextendedKeyUsage = serverAuth\n')
  signed(work, 'ca', 'client', 'extendedKeyUsage = clientAuth\n')
  signed(work, 'rogue-ca', 'rogue-client', 'extendedKeyUsage = clientAuth\n')
  const f = (name: string): string => path.join(work, name)
  return {
    server: { ca: f('ca.pem'), cert: f('server.pem'), key: f('server-key.pem') },
    good: certDir(root, 'good', {
      ca: f('ca.pem'),
      cert: f('client.pem'),
      key: f('client-key.pem'),
    }),
    wrongClient: certDir(root, 'wrong-client', {
      ca: f('ca.pem'),
      cert: f('rogue-client.pem'),
      key: f('rogue-client-key.pem'),
    }),
    untrustedServer: certDir(root, 'untrusted-server', {
      ca: f('rogue-ca.pem'),
      cert: f('client.pem'),
      key: f('client-key.pem'),
    }),
    mismatchedKey: certDir(root, 'mismatched-key', {
      ca: f('ca.pem'),
      cert: f('client.pem'),
      key: f('rogue-client-key.pem'),
    }),
  }
}
