import { createHash } from 'node:crypto'
import fs from 'node:fs'
import { pipeline } from 'node:stream/promises'
import type Docker from 'dockerode'
import { z } from 'zod'
import { LABEL_ENVIRONMENT, LABEL_RECIPE } from './catalogue'

/**
 * An offline pack: the image as `docker save` writes it, followed by a trailer —
 * the manifest JSON, its length as 8 bytes big-endian, and the magic `TAKOPAK1`. Everything is
 * streamed; the manifest holds the sha256 and size of the image bytes, checked before loading.
 */
export const PACK_MAGIC = Buffer.from('TAKOPAK1')
const TRAILER_FIXED = 8 + PACK_MAGIC.length
const MAX_MANIFEST = 64 * 1024

export const packManifestSchema = z.strictObject({
  format: z.literal(1),
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/),
  image: z.string().min(1).max(256),
  recipeHash: z.string().regex(/^[0-9a-f]{64}$/),
  sizeBytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: z.string(),
})
export type PackManifest = z.infer<typeof packManifestSchema>

export class PackError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PackError'
  }
}

/** Writes `image` (tagged, labelled with its environment and recipe hash) to a pack file. */
export async function exportPack(
  docker: Docker,
  image: string,
  file: string,
): Promise<PackManifest> {
  const info = await docker.getImage(image).inspect()
  const labels = info.Config?.Labels ?? {}
  const name = labels[LABEL_ENVIRONMENT]
  const recipeHash = labels[LABEL_RECIPE]
  if (!name || !recipeHash) throw new PackError(`${image} is not a Tako VM environment image`)
  const tmp = `${file}.partial`
  const hash = createHash('sha256')
  let size = 0
  const source = await docker.getImage(image).get()
  source.on('data', (chunk: Buffer) => {
    hash.update(chunk)
    size += chunk.length
  })
  try {
    await pipeline(source, fs.createWriteStream(tmp, { mode: 0o644 }))
    const manifest: PackManifest = {
      format: 1,
      name,
      image,
      recipeHash,
      sizeBytes: size,
      sha256: hash.digest('hex'),
      createdAt: new Date().toISOString(),
    }
    const json = Buffer.from(JSON.stringify(manifest))
    const len = Buffer.alloc(8)
    len.writeBigUInt64BE(BigInt(json.length))
    fs.appendFileSync(tmp, Buffer.concat([json, len, PACK_MAGIC]))
    fs.renameSync(tmp, file)
    return manifest
  } catch (err) {
    fs.rmSync(tmp, { force: true })
    throw err
  }
}

/** Reads and checks a pack's trailer without touching its image bytes. */
export function readPackManifest(file: string): PackManifest {
  let fd: number
  try {
    fd = fs.openSync(file, 'r')
  } catch (err) {
    throw new PackError(`cannot open pack: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
  try {
    const size = fs.fstatSync(fd).size
    if (size < TRAILER_FIXED) throw new PackError('not a Tako VM pack (file too short)')
    const tail = Buffer.alloc(TRAILER_FIXED)
    fs.readSync(fd, tail, 0, TRAILER_FIXED, size - TRAILER_FIXED)
    if (!tail.subarray(8).equals(PACK_MAGIC)) {
      throw new PackError('not a Tako VM pack, or truncated (no pack trailer at the end)')
    }
    const jsonLen = Number(tail.readBigUInt64BE(0))
    if (jsonLen <= 0 || jsonLen > MAX_MANIFEST || jsonLen > size - TRAILER_FIXED) {
      throw new PackError('pack trailer is corrupt (bad manifest length)')
    }
    const json = Buffer.alloc(jsonLen)
    fs.readSync(fd, json, 0, jsonLen, size - TRAILER_FIXED - jsonLen)
    let parsed: unknown
    try {
      parsed = JSON.parse(json.toString('utf8'))
    } catch {
      throw new PackError('pack manifest is not valid JSON')
    }
    const manifest = packManifestSchema.safeParse(parsed)
    if (!manifest.success)
      throw new PackError(`pack manifest is invalid: ${manifest.error.issues[0]?.message ?? ''}`)
    if (manifest.data.sizeBytes !== size - TRAILER_FIXED - jsonLen) {
      throw new PackError(
        `pack is truncated or padded: the manifest says ${manifest.data.sizeBytes} image bytes, the file holds ${size - TRAILER_FIXED - jsonLen}`,
      )
    }
    return manifest.data
  } finally {
    fs.closeSync(fd)
  }
}

/**
 * Verifies a pack's checksum over its image bytes, and only then loads it into Docker. A corrupt or
 * truncated pack is refused before Docker sees a byte of it, so nothing changes.
 */
export async function importPack(docker: Docker, file: string): Promise<PackManifest> {
  const manifest = readPackManifest(file)
  const hash = createHash('sha256')
  const end = manifest.sizeBytes - 1
  if (manifest.sizeBytes > 0) {
    await pipeline(fs.createReadStream(file, { start: 0, end }), async function* (source) {
      for await (const chunk of source as AsyncIterable<Buffer>) hash.update(chunk)
      yield* []
    })
  }
  const actual = hash.digest('hex')
  if (actual !== manifest.sha256) {
    throw new PackError(
      `pack is corrupt: sha256 ${actual.slice(0, 12)}… does not match the manifest's ${manifest.sha256.slice(0, 12)}…`,
    )
  }
  const stream = await docker.loadImage(fs.createReadStream(file, { start: 0, end }), {
    quiet: true,
  })
  const text = await new Promise<string>((resolve, reject) => {
    let out = ''
    stream.on('data', (d: Buffer) => (out += d.toString('utf8')))
    stream.on('end', () => resolve(out))
    stream.on('error', reject)
  })
  if (/"error"/.test(text)) throw new PackError(`Docker refused the image: ${text.slice(0, 500)}`)
  return manifest
}
