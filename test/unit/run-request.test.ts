// Request normalisation below the transports: one set of checks for the app's RPC and the HTTP API.
import os from 'node:os'
import { describe, expect, it } from 'vitest'
import { InvalidArgument } from '../../src/main/app/errors'
import {
  inputProblem,
  normalizeRunRequest,
  toSubmitRequest,
  type RunRequest,
} from '../../src/main/app/run-request'

const base: RunRequest = { code: 'print(1)', input: {}, source: 'app' }

function refusal(req: Partial<RunRequest>, maxTimeoutS = 300): InvalidArgument {
  try {
    toSubmitRequest({ ...base, ...req }, maxTimeoutS)
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgument)
    return err as InvalidArgument
  }
  throw new Error(`accepted: ${JSON.stringify(req)}`)
}

describe('toSubmitRequest', () => {
  it('fills the environment’s defaults in ms and bytes, held to the configured ceiling', () => {
    const s = toSubmitRequest({ ...base, environment: 'default@1.2' }, 20)
    expect(s).toMatchObject({ environment: 'default', source: 'app', requestedTimeoutS: null })
    expect(s.limits.timeoutMs).toBe(20_000)
    expect(s.image).toMatch(/^tako-vm\/default:/)
    const given = toSubmitRequest({ ...base, timeoutS: 5, memoryMb: 64, cpus: 0.5 }, 300)
    expect(given.limits).toMatchObject({
      timeoutMs: 5000,
      memoryBytes: 64 * 1024 * 1024,
      cpus: 0.5,
    })
  })

  it.each<[string, Partial<RunRequest>, string]>([
    ['an unknown environment', { environment: 'nope' }, 'environment'],
    ['both an environment and an image', { environment: 'default', image: 'x:1' }, 'image'],
    ['an image name that could be a flag', { image: '--privileged' }, 'image'],
    ['a timeout over the ceiling', { timeoutS: 301 }, 'timeoutS'],
    ['more CPUs than this machine has', { cpus: os.availableParallelism() + 1 }, 'cpus'],
    ['more memory than this machine has', { memoryMb: 1024 * 1024 * 1024 }, 'memoryMb'],
    ['an input over 1 MiB', { input: { s: 'x'.repeat(1024 * 1024) } }, 'input'],
  ])('refuses %s, naming the field', (_name, req, field) => {
    expect(refusal(req).issues.map((i) => i.field)).toEqual([field])
  })

  it('refuses a 20,000-deep input without overflowing the stack', () => {
    let deep: unknown = 1
    for (let i = 0; i < 20_000; i++) deep = { a: deep }
    expect(inputProblem(deep)).toMatch(/nested more than 1000 levels/)
    expect(refusal({ input: { deep } }).issues[0]?.field).toBe('input')
  })

  it('turns requirements into a run that fails with a config error before any container', () => {
    const s = toSubmitRequest({ ...base, requirements: ['pandas'] }, 300)
    expect(s.rejectWith).toMatchObject({ type: 'config_error', phase: 'startup' })
  })
})

describe('normalizeRunRequest', () => {
  it('checks a custom image with the environments, and refuses what they refuse', async () => {
    const asked: string[] = []
    const ctx = {
      maxTimeoutS: 300,
      environments: {
        checkCustomImage: async (image: string) => {
          asked.push(image)
          return image === 'python:3' ? null : `image '${image}' is not present locally`
        },
      },
    }
    const ok = await normalizeRunRequest({ ...base, image: 'python:3' }, ctx)
    expect(ok).toMatchObject({ environment: 'custom', image: 'python:3' })
    await expect(normalizeRunRequest({ ...base, image: 'ghost:1' }, ctx)).rejects.toMatchObject({
      code: 'invalid_argument',
      issues: [{ field: 'image' }],
    })
    expect(asked).toEqual(['python:3', 'ghost:1'])
  })
})
