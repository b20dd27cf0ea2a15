// Command line for environments: `npm run environments -- list` and `npm run environments -- build <name>`.
import { createDocker } from '../src/main/engine/docker-endpoint'
import { buildWithProgress } from './lib/build-progress'
import { ENVIRONMENTS, findEnvironment, imageRef } from '../src/main/environments/catalogue'
import { DockerContainerClient } from '../src/main/engine/docker-client'
import { exportPack, importPack, PackError } from '../src/main/environments/packs'

async function main(): Promise<number> {
  const [command, name] = process.argv.slice(2)
  const client = new DockerContainerClient()
  if (command === 'list' || command === undefined) {
    for (const env of ENVIRONMENTS) {
      const ref = imageRef(env.name)
      const ready = await client.imageExists(ref)
      console.log(
        `${env.name.padEnd(16)} ${ready ? 'ready  ' : 'missing'} ${ref}  ${env.description}`,
      )
    }
    return 0
  }
  if (command === 'build' && name) {
    if (!findEnvironment(name)) {
      console.error(
        `Unknown environment '${name}'. Known: ${ENVIRONMENTS.map((e) => e.name).join(', ')}`,
      )
      return 2
    }
    const ref = imageRef(name)
    if ((await client.imageExists(ref)) && !process.argv.includes('--force')) {
      console.log(`${name}: ${ref} is already built`)
      return 0
    }
    return buildWithProgress(name)
  }
  if (command === 'export' && name) {
    const file = process.argv[4] ?? `${name}.takopack`
    const ref = imageRef(name)
    if (!findEnvironment(name) || !(await client.imageExists(ref))) {
      console.error(`Environment '${name}' is not built (${ref}); build it first`)
      return 1
    }
    const manifest = await exportPack(createDocker(), ref, file)
    console.log(
      `${name}: wrote ${file} (${(manifest.sizeBytes / 1024 / 1024).toFixed(1)} MiB, sha256 ${manifest.sha256.slice(0, 12)}…)`,
    )
    return 0
  }
  if (command === 'import' && name) {
    try {
      const manifest = await importPack(createDocker(), name)
      const current = findEnvironment(manifest.name) && imageRef(manifest.name) === manifest.image
      console.log(
        `imported ${manifest.name} (${manifest.image})${current ? '' : ' — built from a different recipe than this app version expects'}`,
      )
      return 0
    } catch (err) {
      console.error(err instanceof PackError ? `refused: ${err.message}` : String(err))
      return 1
    }
  }
  console.error(
    'usage: npm run environments -- list | build <name> [--force] | export <name> [file] | import <file>',
  )
  return 2
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err))
    process.exit(1)
  },
)
