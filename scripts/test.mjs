// `npm test`: the set-up the suites need, then every suite in order, stopping at the first failure.
// Set-up: as root on Debian (CI), scripts/setup-host.sh (Docker engine, dockerd, a local
// debian:bookworm-slim, Chromium; each step skipped when present); the dependencies; Docker
// answering and the default environment built. Single suites: `npm run test:unit` and the like, or
// the set-up followed by some steps only: `npm test -- typecheck test:unit`.
import fs from 'node:fs'
import process from 'node:process'
import { checkNode, ensureDependencies, log, npm, prepare, run } from './bootstrap.mjs'

/**
 * Today's order: static checks, then the suites from fastest to the one that stops dockerd. The
 * gVisor passes run only what gVisor changes: the run contract, limits and errors files and the
 * security files that run containers, under `TAKO_RUNTIME=gvisor` (see docs/security.md, 'gVisor').
 * The remote passes start their own daemon (a second dockerd with TLS; Podman's API service; an
 * sshd in front of the main dockerd), run the run contract and the connection checks against it,
 * and remove it (docs/remote-hosts.md);
 * they come before the faults, which stop the main dockerd they copy the image from.
 */
const STEPS = [
  'typecheck',
  'lint',
  'format:check',
  'test:unit',
  'test:integration',
  'test:integration:cold',
  'test:security',
  'test:security:cold',
  'test:e2e',
  'test:integration:gvisor',
  'test:security:gvisor',
  'test:remote',
  'test:podman',
  'test:podman:archive',
  'test:ssh',
  'test:faults',
]

function rootOnDebian() {
  return (
    process.platform === 'linux' && process.getuid?.() === 0 && fs.existsSync('/etc/debian_version')
  )
}

async function main() {
  checkNode()
  if (rootOnDebian() && process.env.TAKO_SKIP_SETUP_HOST !== '1') {
    const code = await run('bash', ['scripts/setup-host.sh'])
    if (code !== 0) process.exit(code)
  }
  await ensureDependencies()
  await prepare()
  const chosen = process.argv.slice(2)
  const unknown = chosen.filter((s) => !STEPS.includes(s))
  if (unknown.length > 0) {
    console.error(`[tako] unknown step(s) ${unknown.join(', ')}; steps: ${STEPS.join(', ')}`)
    process.exit(2)
  }
  const times = []
  for (const step of chosen.length > 0 ? STEPS.filter((s) => chosen.includes(s)) : STEPS) {
    const started = Date.now()
    log(`npm run ${step}`)
    const code = await npm(['run', step, '--silent'])
    times.push(`${step} ${Math.round((Date.now() - started) / 1000)} s`)
    if (code !== 0) {
      log(
        `${step} failed (exit ${code}); passed before it: ${times.slice(0, -1).join(', ') || 'none'}`,
      )
      process.exit(code)
    }
  }
  log(`all passed: ${times.join(', ')}`)
}

main().catch((err) => {
  console.error('[tako] npm test failed:', err)
  process.exit(1)
})
