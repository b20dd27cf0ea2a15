// npm start's one message when Docker does not answer: what to do, per OS and cause.
import { describe, expect, it } from 'vitest'
import { dockerAdvice } from '../../scripts/lib/docker-advice'

const refused = 'Docker is not reachable at unix:///var/run/docker.sock: connect ENOENT'

describe('dockerAdvice', () => {
  it('Linux, installed but stopped: start the daemon', () => {
    const text = dockerAdvice(refused, 'linux', true)
    expect(text.startsWith(refused)).toBe(true)
    expect(text).toContain('sudo systemctl start docker')
    expect(text).not.toContain('apt-get install')
  })

  it('Linux, not installed: how to install it, and setup-host.sh on Debian', () => {
    const text = dockerAdvice(refused, 'linux', false)
    expect(text).toContain('sudo apt-get install docker.io')
    expect(text).toContain('scripts/setup-host.sh')
  })

  it('Linux, permission denied: the docker group', () => {
    const text = dockerAdvice('connect EACCES /var/run/docker.sock', 'linux', true)
    expect(text).toContain('usermod -aG docker')
  })

  it('macOS and Windows: Docker Desktop', () => {
    expect(dockerAdvice(refused, 'darwin', true)).toContain('open -a Docker')
    expect(dockerAdvice(refused, 'win32', true)).toContain('Start menu')
    expect(dockerAdvice(refused, 'darwin', false)).toContain('Install Docker Desktop')
  })
})
