// The argument schemas the contract in api.ts is built from: ids, limits, input files and teacher
// mode's pack draft.
import { z } from 'zod'
import type { PackDraft } from './exercise'
import { INPUT_FILE_CAPS } from './input-files'
import { MAX_CODE_CHARS, REQUEST_LIMIT_BOUNDS } from './limit-bounds'

export const runId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/)

/** An exercise's or a submission's id (a pack's `id`, a submission's uuid). */
export const exerciseId = runId

const { timeoutS, memoryMb, cpus } = REQUEST_LIMIT_BOUNDS

export const limitsInput = z.strictObject({
  timeoutS: z.number().int().min(timeoutS.min).max(timeoutS.max).optional(),
  memoryMb: z.number().int().min(memoryMb.min).max(memoryMb.max).optional(),
  cpus: z.number().min(cpus.min).max(cpus.max).optional(),
})

/** `runs:start`'s input files: base64 bytes, or a file of an earlier run (see InputFileArg). */
export const inputFileArgs = z
  .array(
    z.union([
      z.strictObject({
        name: z.string().max(1024),
        data: z.string().max(Math.ceil(INPUT_FILE_CAPS.perFileBytes / 3) * 4 + 4),
      }),
      z.strictObject({
        name: z.string().max(1024),
        fromRun: runId,
        path: z.string().max(4096),
        kind: z.enum(['artifact', 'input']).optional(),
      }),
    ]),
  )
  .max(INPUT_FILE_CAPS.count)

const artifactPath = z.string().min(1).max(4096)

/** Teacher mode's draft of an exercise pack (PackDraft in src/shared/exercise.ts). */
export const packDraftInput = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/),
  title: z.string().trim().min(1).max(200),
  instructions: z.string().max(200_000),
  starter: z.string().max(MAX_CODE_CHARS),
  environment: z.string().min(1).max(64),
  limits: z
    .strictObject({
      timeoutS: limitsInput.shape.timeoutS,
      memoryMb: limitsInput.shape.memoryMb,
    })
    .optional(),
  tests: z
    .array(
      z.strictObject({
        name: z.string().trim().min(1).max(200),
        points: z.number().positive().max(1000),
        visibility: z.enum(['visible', 'hidden']),
        fromRun: runId,
        expectStdout: z.enum(['equals', 'contains']).nullable(),
        stdoutText: z
          .string()
          .max(1024 * 1024)
          .optional(),
        expectResult: z.boolean(),
        expectFiles: z.array(artifactPath).max(100),
        existFiles: z.array(artifactPath).max(100).optional(),
      }),
    )
    .min(1)
    .max(50),
}) satisfies z.ZodType<PackDraft>
