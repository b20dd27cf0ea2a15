// docs/security.md, group C (#23–#24): a run has no network (`NetworkMode: none`) and no way to the
// Docker daemon. The test also listens on the host itself and checks that nothing ever reached it.
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lastJson, py, run, securitySuite } from './harness'
import { UNDER_GVISOR } from '../integration/runtime-env'

/** No route at all: runc's kernel says ENETUNREACH, gVisor's network stack EHOSTUNREACH (docs/security.md, 'gVisor'). */
const NO_ROUTE = UNDER_GVISOR ? /EHOSTUNREACH/ : /ENETUNREACH/

let listener: net.Server
let listenerPort = 0
let connections = 0

const sec = securitySuite()

beforeAll(async () => {
  // A host service on every interface: a sandbox with any route out would reach it.
  listener = net.createServer((s) => {
    connections++
    s.destroy()
  })
  await new Promise<void>((resolve) => listener.listen(0, '0.0.0.0', resolve))
  listenerPort = (listener.address() as net.AddressInfo).port
})

afterAll(async () => {
  await new Promise<void>((resolve) => listener.close(() => resolve()))
})

/** IPv4 addresses of this host (its LAN address, the Docker bridge gateway, …). */
function hostAddresses(): string[] {
  const out = new Set<string>(['172.17.0.1'])
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) out.add(a.address)
  }
  return [...out]
}

/** TCP ports listening on this host (from /proc/net/tcp), e.g. a Docker API on 2375 if any. */
function hostListeningPorts(): number[] {
  const ports = new Set<number>()
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string
    try {
      text = fs.readFileSync(file, 'utf8')
    } catch {
      continue
    }
    for (const line of text.trim().split('\n').slice(1)) {
      const f = line.trim().split(/\s+/)
      if (f[3] === '0A') ports.add(parseInt(f[1].split(':')[1], 16))
    }
  }
  return [...ports].slice(0, 20)
}

/** Abstract unix sockets of the host (`@name` in /proc/net/unix): bound to its network namespace. */
function hostAbstractSockets(): string[] {
  try {
    return fs
      .readFileSync('/proc/net/unix', 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/)[7] ?? '')
      .filter((p) => p.startsWith('@'))
      .slice(0, 20)
  } catch {
    return []
  }
}

/** Python: `probe(fn)` → the exception's class and errno name, or "OK", with the seconds it took. */
const PROBE = py(
  'import errno, json, os, socket, time',
  'def probe(fn):',
  '    t0 = time.monotonic()',
  '    try:',
  '        fn()',
  '        r = "OK"',
  '    except OSError as e:',
  '        name = errno.errorcode.get(e.errno, "") if e.errno else ""',
  '        r = (type(e).__name__ + " " + name).strip()',
  '    return [r, round(time.monotonic() - t0, 3)]',
  'def tcp(host, port):',
  '    def go():',
  '        s = socket.create_connection((host, port), timeout=5)',
  '        s.close()',
  '    return go',
)

describe('C. network', () => {
  it('#23 egress: HTTP, DNS, the host’s addresses, the Docker bridge, host.docker.internal and 169.254.169.254 all fail fast', async () => {
    const before = connections
    const addresses = hostAddresses()
    const r = await run(sec.ctx, {
      code: py(
        PROBE,
        'import urllib.request',
        `addresses = json.loads(${JSON.stringify(JSON.stringify(addresses))})`,
        `port = ${listenerPort}`,
        'out = {',
        '    "https example.com": probe(lambda: urllib.request.urlopen("https://example.com", timeout=5)),',
        '    "http 1.1.1.1": probe(lambda: urllib.request.urlopen("http://1.1.1.1/", timeout=5)),',
        '    "dns example.com": probe(lambda: socket.getaddrinfo("example.com", 443)),',
        '    "dns host.docker.internal": probe(lambda: socket.getaddrinfo("host.docker.internal", 80)),',
        '    "metadata 169.254.169.254": probe(tcp("169.254.169.254", 80)),',
        '    "bridge 172.17.0.1:2375": probe(tcp("172.17.0.1", 2375)),',
        '    "ipv6 2606:4700::1111": probe(tcp("2606:4700::1111", 443)),',
        '    "udp 8.8.8.8:53": probe(lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("8.8.8.8", 53))),',
        '}',
        'for a in addresses:',
        '    out[f"host {a}:{port}"] = probe(tcp(a, port))',
        '# loopback works, inside the sandbox only',
        'srv = socket.socket()',
        'srv.bind(("127.0.0.1", 0))',
        'srv.listen(1)',
        'out["loopback"] = probe(tcp("127.0.0.1", srv.getsockname()[1]))',
        'out["ifaces"] = sorted(os.listdir("/sys/class/net"))',
        'print(json.dumps(out))',
      ),
    })
    expect(r.status, r.stderr).toBe('succeeded')
    const out = lastJson<Record<string, [string, number] | string[]>>(r)
    const { loopback, ifaces, ...outbound } = out
    expect(ifaces).toEqual(['lo'])
    expect(loopback?.[0]).toBe('OK')
    expect(Object.keys(outbound)).toHaveLength(8 + addresses.length)
    for (const [what, [result, seconds]] of Object.entries(outbound) as [
      string,
      [string, number],
    ][]) {
      expect(result, what).not.toBe('OK')
      // No route at all: refused or unreachable at once, never a timeout.
      expect(result, what).not.toMatch(/timeout|TimeoutError/i)
      expect(seconds, what).toBeLessThan(1)
    }
    expect(outbound['dns example.com']?.[0]).toMatch(/^gaierror/)
    expect(outbound['dns host.docker.internal']?.[0]).toMatch(/^gaierror/)
    expect(outbound['bridge 172.17.0.1:2375']?.[0]).toMatch(NO_ROUTE)
    expect(outbound['metadata 169.254.169.254']?.[0]).toMatch(NO_ROUTE)
    expect(connections).toBe(before)
  })

  it('#24 the Docker socket is absent, no socket of the host is reachable, and the Docker TCP ports are refused', async () => {
    const ports = [...new Set([2375, 2376, ...hostListeningPorts()])]
    const abstract = hostAbstractSockets()
    const r = await run(sec.ctx, {
      code: py(
        PROBE,
        'import stat',
        'paths = ["/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock",',
        '         "/var/run/docker", "/run/user", "/.dockerenv"]',
        'sockets = []',
        'for top in ["/"]:',
        '    for d, dirs, files in os.walk(top):',
        '        if d in ("/proc", "/sys", "/dev"):',
        '            dirs[:] = []',
        '            continue',
        '        for f in files:',
        '            p = os.path.join(d, f)',
        '            try:',
        '                if stat.S_ISSOCK(os.lstat(p).st_mode):',
        '                    sockets.append(p)',
        '            except OSError:',
        '                pass',
        `ports = json.loads(${JSON.stringify(JSON.stringify(ports))})`,
        `abstract = json.loads(${JSON.stringify(JSON.stringify(abstract))})`,
        'def unix(name):',
        '    def go():',
        '        s = socket.socket(socket.AF_UNIX)',
        '        s.settimeout(2)',
        '        s.connect("\\0" + name[1:])',
        '    return go',
        'print(json.dumps({',
        '    "exists": {p: os.path.exists(p) for p in paths},',
        '    "sockets": sockets,',
        '    "loopback": {str(p): probe(tcp("127.0.0.1", p))[0] for p in ports},',
        '    "bridge": {str(p): probe(tcp("172.17.0.1", p))[0] for p in ports},',
        '    "abstract": {n: probe(unix(n))[0] for n in abstract},',
        '}))',
      ),
      timeout: 60,
    })
    expect(r.status, r.stderr).toBe('succeeded')
    const out = lastJson<{
      exists: Record<string, boolean>
      sockets: string[]
      loopback: Record<string, string>
      bridge: Record<string, string>
      abstract: Record<string, string>
    }>(r)
    expect(out.exists).toEqual({
      '/var/run/docker.sock': false,
      '/run/docker.sock': false,
      '/run/containerd/containerd.sock': false,
      '/var/run/docker': false,
      '/run/user': false,
      // Docker's marker file; harmless, but it tells a script it is in a container.
      '/.dockerenv': out.exists['/.dockerenv'] ?? false,
    })
    expect(out.sockets).toEqual([])
    // The sandbox's loopback is its own: nothing of the host listens there.
    for (const [port, result] of Object.entries(out.loopback))
      expect(result, `127.0.0.1:${port}`).toBe('ConnectionRefusedError ECONNREFUSED')
    for (const [port, result] of Object.entries(out.bridge))
      expect(result, `172.17.0.1:${port}`).toMatch(NO_ROUTE)
    // Abstract unix sockets live in the host's network namespace, not the sandbox's.
    for (const [name, result] of Object.entries(out.abstract))
      expect(result, name).toMatch(/ECONNREFUSED|ENOENT/)
  })
})
