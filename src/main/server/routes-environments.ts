import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import {
  ENVIRONMENTS,
  findEnvironment,
  recipeHash,
  takoMemoryLimit,
} from '../environments/catalogue'
import type { BuildEvent } from '../environments/environment-service'
import { exportPack, importPack, PackError } from '../environments/packs'
import type { ApiContext } from './context'
import { HttpError, sendJson } from './http-util'
import { queryBool, route, type Route } from './router'
import { openEventStream } from './sse'

const MAX_PACK_BYTES = 16 * 1024 ** 3

function envOr404(name: string): string {
  if (!findEnvironment(name)) throw new HttpError(404, `Job type '${name}' not found`)
  return name
}

/** Environments (Tako VM's job types): status, builds with progress, offline packs. */
export function environmentRoutes(ctx: ApiContext): Route[] {
  const envs = ctx.core.environments

  async function jobTypeDto(name: string): Promise<Record<string, unknown>> {
    const env = findEnvironment(name)!
    const status = await envs.state(name).catch(() => null)
    const last = envs.lastEvent(name)
    return {
      name: env.name,
      description: env.description,
      requirements: env.packages,
      python_version: '3.11',
      memory_limit: takoMemoryLimit(env.defaults.memoryBytes),
      cpu_limit: env.defaults.cpus,
      timeout: env.defaults.timeoutMs / 1000,
      session_enabled: false,
      gpu_enabled: false,
      gpu_vendor: null,
      image: envs.imageFor(name),
      image_exists: status === null ? null : status === 'ready',
      status: status ?? 'unknown',
      image_size_bytes: status === 'ready' ? await envs.imageSize(name) : null,
      build: last ?? null,
    }
  }

  return [
    route('GET', '/job-types', async (_req, res) => {
      sendJson(res, 200, await Promise.all(ENVIRONMENTS.map((e) => jobTypeDto(e.name))))
    }),
    route('GET', '/job-types/{name}', async (_req, res, p) => {
      sendJson(res, 200, await jobTypeDto(envOr404(p.name ?? '')))
    }),
    route('POST', '/job-types/{name}/build', async (req, res, p, url) => {
      await ctx.readJsonBody(req)
      const name = envOr404(p.name ?? '')
      const wait = url.searchParams.has('wait') ? queryBool(url, 'wait') : true
      const done = envs.build(name)
      if (!wait) {
        done.catch(() => undefined)
        sendJson(res, 202, { status: 'building', job_type: name })
        return
      }
      const final = await done
      if (final.state !== 'ready') {
        throw new HttpError(final.state === 'cancelled' ? 409 : 500, final.error ?? final.state)
      }
      const hash = recipeHash(name)
      sendJson(res, 200, {
        status: 'built',
        job_type: name,
        version: `${name}@sha256:${hash.slice(0, 12)}`,
        digest: hash.slice(0, 12),
        image_ref: envs.imageFor(name),
      })
    }),
    route('DELETE', '/job-types/{name}/build', (_req, res, p) => {
      const name = envOr404(p.name ?? '')
      if (!envs.cancelBuild(name)) throw new HttpError(404, `No build of '${name}' is running`)
      sendJson(res, 200, { status: 'cancelling', job_type: name })
    }),
    route('GET', '/job-types/{name}/build/events', (_req, res, p) => {
      const name = envOr404(p.name ?? '')
      let id = 0
      let unsubscribe: (() => void) | null = null
      const stream = openEventStream(res, {
        onClose: () => {
          unsubscribe?.()
          unsubscribe = null
        },
      })
      const send = (e: BuildEvent): void => {
        stream.send({ id: ++id, event: 'build', data: e })
        if (e.state !== 'building') stream.end()
      }
      unsubscribe = envs.follow(name, send)
      if (stream.closed) unsubscribe?.()
      if (unsubscribe) return
      // No build running: report the last known outcome, then end.
      const last = envs.lastEvent(name)
      if (last) send(last)
      stream.end()
    }),
    route('GET', '/job-types/{name}/pack', async (_req, res, p) => {
      const name = envOr404(p.name ?? '')
      if ((await envs.state(name)) !== 'ready')
        throw new HttpError(409, `Environment '${name}' is not built`)
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-pack-'))
      const file = path.join(dir, `${name}.takopack`)
      try {
        await exportPack(ctx.core.environments.docker, envs.imageFor(name), file)
        res.writeHead(200, {
          'Content-Type': 'application/octet-stream',
          'Content-Length': String(fs.statSync(file).size),
          'Content-Disposition': `attachment; filename="${name}.takopack"`,
        })
        await pipeline(fs.createReadStream(file), res)
      } finally {
        fs.rmSync(dir, { recursive: true, force: true })
      }
    }),
    route(
      'POST',
      '/job-types/import',
      async (req, res) => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-import-'))
        const file = path.join(dir, 'upload.takopack')
        try {
          let size = 0
          await pipeline(
            req,
            async function* (source) {
              for await (const chunk of source as AsyncIterable<Buffer>) {
                size += chunk.length
                if (size > MAX_PACK_BYTES) throw new HttpError(413, 'Pack too large')
                yield chunk
              }
            },
            fs.createWriteStream(file),
          )
          const manifest = await importPack(ctx.core.environments.docker, file).catch(
            (err: unknown) => {
              if (err instanceof PackError) throw new HttpError(422, err.message)
              throw err
            },
          )
          const known = findEnvironment(manifest.name)
          sendJson(res, 200, {
            status: 'imported',
            job_type: manifest.name,
            image: manifest.image,
            recipe_hash: manifest.recipeHash,
            size_bytes: manifest.sizeBytes,
            current: known ? recipeHash(manifest.name) === manifest.recipeHash : false,
          })
        } finally {
          fs.rmSync(dir, { recursive: true, force: true })
        }
      },
      'binary',
    ),
  ]
}
