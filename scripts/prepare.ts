// The second half of `npm start` / `npm test`'s set-up (after scripts/bootstrap.mjs installed the
// dependencies): Docker must answer, and the default environment's image must be built.
// Exit codes: 0 ready, 3 Docker missing or stopped, 1 the build failed.
import { DockerContainerClient } from '../src/main/engine/docker-client'
import { resolveDockerEndpoint } from '../src/main/engine/docker-endpoint'
import { imageRef } from '../src/main/environments/catalogue'
import { buildWithProgress } from './lib/build-progress'
import { dockerAdvice } from './lib/docker-advice'

async function main(): Promise<number> {
  const endpoint = resolveDockerEndpoint()
  const client = new DockerContainerClient()
  try {
    const v = await Promise.race([
      client.ping(),
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`Docker at ${endpoint.endpoint} gave no answer within 10 s`)),
          10_000,
        ).unref(),
      ),
    ])
    console.log(`[tako] Docker ${v.version} at ${endpoint.endpoint}`)
  } catch (err) {
    console.error(`[tako] ${dockerAdvice((err as Error).message)}`)
    return 3
  }
  const ref = imageRef('default')
  if (await client.imageExists(ref)) return 0
  console.log(
    `[tako] building the default environment ${ref} (once; Python from Debian's packages)…`,
  )
  const built = await buildWithProgress('default')
  if (built !== 0 && !(await client.imageExists('debian:bookworm-slim'))) {
    console.error(
      '[tako] The environments are built FROM debian:bookworm-slim, which Docker could not pull (no\n' +
        'registry reachable?). On Debian, as root, scripts/setup-host.sh makes it locally with debootstrap.',
    )
  }
  return built
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[tako] ${err instanceof Error ? err.message : String(err)}`)
    process.exit(1)
  },
)
