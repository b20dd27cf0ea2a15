// Builds an environment image with a progress bar in the terminal (one line per step when the
// output is not a terminal). Used by `npm run environments -- build` and by `npm start`/`npm test`.
import { createDocker } from '../../src/main/engine/docker-endpoint'
import { buildEnvironment, BuildError } from '../../src/main/environments/builder'
import { imageRef } from '../../src/main/environments/catalogue'

/** Exit code: 0 built, 1 failed (the failing step's log tail printed). */
export async function buildWithProgress(name: string): Promise<number> {
  const ref = imageRef(name)
  const tty = process.stdout.isTTY
  const started = Date.now()
  try {
    await buildEnvironment(name, {
      docker: createDocker(),
      onProgress: (p) => {
        const width = 24
        const filled = p.totalSteps ? Math.round((p.step / p.totalSteps) * width) : 0
        const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.step}/${p.totalSteps}`
        const line = p.line.replace(/\s+/g, ' ').slice(0, 70)
        if (tty) process.stdout.write(`\r\x1b[2K${bar} ${line}`)
        else console.log(`${bar} ${line}`)
      },
    })
    if (tty) process.stdout.write('\n')
    console.log(`${name}: built ${ref} in ${Math.round((Date.now() - started) / 1000)} s`)
    return 0
  } catch (err) {
    if (tty) process.stdout.write('\n')
    console.error(err instanceof Error ? err.message : String(err))
    if (err instanceof BuildError) console.error(err.logTail.slice(-15).join('\n'))
    return 1
  }
}
