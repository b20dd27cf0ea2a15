// The one message `npm start` prints when Docker does not answer: what to do on this OS.
import fs from 'node:fs'
import path from 'node:path'

function onPath(command: string): boolean {
  const dirs = (process.env.PATH ?? '').split(process.platform === 'win32' ? ';' : ':')
  const names = process.platform === 'win32' ? [`${command}.exe`] : [command]
  return dirs.some((d) => names.some((n) => d && fs.existsSync(path.join(d, n))))
}

/** What to do on this OS when Docker does not answer: one message, the steps that fix it. */
export function dockerAdvice(
  error: string,
  platform: NodeJS.Platform = process.platform,
  installed = onPath('docker') || onPath('dockerd'),
): string {
  const denied = /EACCES|permission denied/i.test(error)
  const lines = [error, '']
  if (platform === 'darwin' || platform === 'win32') {
    lines.push(
      installed
        ? 'Start Docker Desktop' +
            (platform === 'darwin' ? ' (open -a Docker)' : ' from the Start menu') +
            ', wait until it says it is running, then run npm start again.'
        : 'Install Docker Desktop (docker.com/products/docker-desktop), start it, then run npm start again.',
    )
  } else if (denied) {
    lines.push(
      'Your user may not talk to the Docker daemon. Add yourself to the docker group, log out and in',
      'again, then run npm start again:   sudo usermod -aG docker "$USER"',
    )
  } else if (!installed) {
    lines.push(
      'Install Docker Engine (Debian/Ubuntu: sudo apt-get install docker.io; or Docker Desktop),',
      'start it (sudo systemctl start docker), then run npm start again.',
      'On a bare Debian machine, as root: bash scripts/setup-host.sh installs and starts everything.',
    )
  } else {
    lines.push(
      'Start the Docker daemon (sudo systemctl start docker; Docker Desktop: start it from its menu),',
      'then run npm start again. Docker is found as the docker CLI finds it: DOCKER_HOST, the current',
      'docker context, or the default socket.',
    )
  }
  return lines.join('\n')
}
