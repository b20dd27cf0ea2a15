import path from 'node:path'
import type Docker from 'dockerode'
import { createDocker } from '../engine/docker-endpoint'
import { environmentsDir, imageRef, LABEL_ENVIRONMENT, LABEL_RECIPE, recipeHash } from './catalogue'
import { LABEL_APP } from '../engine/container-spec'

export interface BuildProgress {
  environment: string
  /** 1-based step being run, 0 before the first. */
  step: number
  totalSteps: number
  line: string
}

export class BuildError extends Error {
  constructor(
    message: string,
    readonly step: number,
    readonly logTail: string[],
  ) {
    super(message)
    this.name = 'BuildError'
  }
}

interface BuildMessage {
  stream?: string
  error?: string
  errorDetail?: { message?: string }
  aux?: { ID?: string }
}

const STEP = /^Step (\d+)\/(\d+) :/

/**
 * Builds an environment's image from `resources/environments/<name>/` through the daemon's build API,
 * tagged `tako-vm/<name>:<recipe hash>` and labelled with the hash. Progress is reported step by step.
 * A failed build rejects with the failing step and the tail of its log.
 */
export async function buildEnvironment(
  name: string,
  options: {
    docker?: Docker
    onProgress?: (p: BuildProgress) => void
    signal?: AbortSignal
    root?: string
  } = {},
): Promise<string> {
  const docker = options.docker ?? createDocker()
  const root = options.root ?? environmentsDir()
  const tag = imageRef(name, root)
  const hash = recipeHash(name, root)
  const stream = await docker.buildImage(
    { context: path.join(root, name), src: ['Dockerfile'] },
    {
      t: tag,
      rm: true,
      forcerm: true,
      labels: { [LABEL_APP]: '1', [LABEL_RECIPE]: hash, [LABEL_ENVIRONMENT]: name },
      abortSignal: options.signal,
    },
  )
  const tail: string[] = []
  let step = 0
  let totalSteps = 0
  let failure = null as string | null
  let pending = ''
  const handle = (line: string): void => {
    if (!line.trim()) return
    let msg: BuildMessage
    try {
      msg = JSON.parse(line) as BuildMessage
    } catch {
      return
    }
    if (msg.error) {
      failure = msg.errorDetail?.message ?? msg.error
      tail.push(failure)
      return
    }
    for (const text of (msg.stream ?? '').split('\n')) {
      if (!text.trim()) continue
      const m = STEP.exec(text)
      if (m) {
        step = Number(m[1])
        totalSteps = Number(m[2])
      }
      tail.push(text)
      if (tail.length > 40) tail.shift()
      options.onProgress?.({ environment: name, step, totalSteps, line: text })
    }
  }
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8')
      const lines = pending.split('\n')
      pending = lines.pop() ?? ''
      lines.forEach(handle)
    })
    stream.on('end', () => {
      handle(pending)
      resolve()
    })
    stream.on('error', reject)
  })
  if (failure)
    throw new BuildError(
      `Building '${name}' failed at step ${step}/${totalSteps}: ${failure}`,
      step,
      tail,
    )
  return tag
}
