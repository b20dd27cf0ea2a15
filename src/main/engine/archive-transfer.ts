import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import tar from 'tar-stream'
import type { RunLimits } from '../../shared/run'
import {
  buildContainerSpec,
  LABEL_APP,
  LABEL_OWNER,
  LABEL_ROLE,
  LABEL_RUN,
  LABEL_SESSION,
  type RunVolumes,
  type SandboxUser,
} from './container-spec'
import { dockerMessage, type ContainerClient } from './docker-client'
import { currentOwner } from './owner'
import { DEFAULT_MAX_RUN_BYTES, DEFAULT_MAX_RUN_ENTRIES } from './output-quota'
import type { RunPaths } from './run-folder'
import { unpackOutput, type UnpackResult } from './tar-unpack'

/** A run folder's input files (each becomes `/input/<name>` beside data.json), when it has them. */
export const INPUT_FILES_DIR = 'input-files'

/** A run's volumes on the daemon's side, and the loader that still holds them writable (or null). */
export interface ArchiveSlot {
  label: string
  volumes: RunVolumes
  loaderId: string | null
  /** The loader's removal, when it runs in the background. */
  loaderGone: Promise<void> | null
}

type Archiving = Required<
  Pick<
    ContainerClient,
    'createVolume' | 'removeVolume' | 'putArchive' | 'getArchive' | 'create' | 'remove'
  >
>

function archiving(client: ContainerClient): Archiving {
  const needed = ['createVolume', 'removeVolume', 'putArchive', 'getArchive'] as const
  if (needed.some((m) => typeof client[m] !== 'function'))
    throw new Error('this container client cannot copy files with the archive API')
  return client as ContainerClient & Archiving
}

/**
 * The archive file transfer, for a daemon whose filesystem is not ours (see docs/architecture.md,
 * 'File transfer'). Each run (or warm container) gets three volumes on the daemon's side — code,
 * input, output — which its container mounts read-only, read-only and writable. They are filled
 * through a loader: a container created from the run's image but never started, which mounts them
 * writable, so that one tar put at `/` writes /code, /input and the owner of /output (the run's
 * container cannot take it: Docker refuses to extract into a read-only volume or root). After the
 * run, /output comes back as a tar stream, unpacked by the walker's rules (tar-unpack.ts), and the
 * volumes are removed after the container.
 */
export class ArchiveTransfer {
  private readonly client: Archiving

  constructor(
    client: ContainerClient,
    private readonly sessionId: string,
    private readonly log: (event: string, fields: Record<string, unknown>) => void = () => {},
  ) {
    this.client = archiving(client)
  }

  private labels(label: string, role: string): Record<string, string> {
    return {
      [LABEL_APP]: '1',
      [LABEL_RUN]: label,
      [LABEL_SESSION]: this.sessionId,
      [LABEL_ROLE]: role,
      [LABEL_OWNER]: currentOwner(),
    }
  }

  /**
   * Creates a run's three volumes, labelled like our containers (the reaper finds them so). They
   * must exist before any container names them: Docker would create a missing one unlabelled.
   */
  async createVolumes(label: string): Promise<ArchiveSlot> {
    const volumes: RunVolumes = {
      code: `tako-${label}-code`,
      input: `tako-${label}-input`,
      output: `tako-${label}-output`,
    }
    const slot: ArchiveSlot = { label, volumes, loaderId: null, loaderGone: null }
    const vlabels = this.labels(label, 'volume')
    const made = await Promise.allSettled(
      [volumes.code, volumes.input, volumes.output].map((v) =>
        this.client.createVolume(v, vlabels),
      ),
    )
    const failed = made.find((r) => r.status === 'rejected')
    if (failed) {
      await this.release(slot)
      throw failed.reason
    }
    return slot
  }

  /**
   * Creates the loader and puts in the folders with their owners — /code and /input root's,
   * /output the sandbox user's. With `files`, the run's files go in the same tar and the loader is
   * removed (in the background: `release` waits for it); without (a warm container), the loader
   * stays for `fill` at dispatch. The run's container may be created meanwhile: nothing runs in it
   * before `start`.
   */
  async load(
    slot: ArchiveSlot,
    image: string,
    limits: RunLimits,
    user: SandboxUser,
    files: RunPaths | null,
  ): Promise<void> {
    slot.loaderId = await this.client.create(
      buildContainerSpec({
        kind: 'loader',
        loaderId: `${slot.label}-${randomBytes(3).toString('hex')}`,
        sessionId: this.sessionId,
        image,
        limits,
        user,
        volumes: slot.volumes,
      }),
    )
    await this.client.putArchive(slot.loaderId, '/', runTar(user, files))
    if (files) this.dropLoaderInBackground(slot)
  }

  /** Volumes and loader for one container, loaded (see `createVolumes`, `load`); released on failure. */
  async prepare(
    label: string,
    image: string,
    limits: RunLimits,
    user: SandboxUser,
    files: RunPaths | null,
  ): Promise<ArchiveSlot> {
    const slot = await this.createVolumes(label)
    try {
      await this.load(slot, image, limits, user, files)
      return slot
    } catch (err) {
      await this.release(slot)
      throw err
    }
  }

  /** Puts a run's files into a warm container's volumes through its loader, then drops the loader. */
  async fill(slot: ArchiveSlot, files: RunPaths): Promise<void> {
    if (!slot.loaderId) throw new Error('the warm container has no loader left')
    await this.client.putArchive(slot.loaderId, '/', runTar(null, files))
    this.dropLoaderInBackground(slot)
  }

  /** Streams the container's /output into `outputDir` (see tar-unpack.ts); never throws. */
  async fetchOutput(
    containerId: string,
    outputDir: string,
    limits: RunLimits,
  ): Promise<UnpackResult> {
    try {
      const stream = await this.client.getArchive(containerId, '/output')
      return await unpackOutput(stream, outputDir, {
        artifactDepth: limits.artifactDepth,
        artifactBytes: limits.artifactBytes,
        maxBytes: DEFAULT_MAX_RUN_BYTES,
        maxEntries: DEFAULT_MAX_RUN_ENTRIES,
      })
    } catch (err) {
      this.log('archive-fetch-failed', { containerId, error: dockerMessage(err) })
      return {
        warnings: [
          {
            code: 'artifact_error',
            message: `/output could not be copied from the daemon: ${dockerMessage(err)}`,
          },
        ],
        resultKind: null,
        bytesWritten: 0,
        entries: 0,
      }
    }
  }

  /** Removes the loader (if any) and the volumes; call once the run's container is removed. */
  async release(slot: ArchiveSlot): Promise<void> {
    await slot.loaderGone
    await this.dropLoader(slot).catch(() => undefined)
    await Promise.all(
      [slot.volumes.code, slot.volumes.input, slot.volumes.output].map((v) =>
        this.client.removeVolume(v).catch((err: unknown) => {
          // Left for the start-up reaper (a container still using it, Docker away).
          this.log('volume-remove-failed', { volume: v, error: dockerMessage(err) })
        }),
      ),
    )
  }

  private dropLoaderInBackground(slot: ArchiveSlot): void {
    slot.loaderGone = this.dropLoader(slot).catch((err: unknown) => {
      this.log('loader-remove-failed', { label: slot.label, error: dockerMessage(err) })
    })
  }

  private async dropLoader(slot: ArchiveSlot): Promise<void> {
    const id = slot.loaderId
    if (!id) return
    slot.loaderId = null
    await this.client.remove(id)
  }
}

/**
 * The tar put at the loader's `/`, streamed: with `owner`, the three folders (code and input
 * root's, 0755; output the sandbox user's, 0700, as a bind-mounted /output); with `files`,
 * /code/main.py, /input/data.json and the run's input files, root's and read-only (0444).
 */
function runTar(owner: SandboxUser | null, files: RunPaths | null): NodeJS.ReadableStream {
  const pack = tar.pack()
  const write = async (): Promise<void> => {
    if (owner) {
      pack.entry({ name: 'code/', type: 'directory', mode: 0o755, uid: 0, gid: 0 })
      pack.entry({ name: 'input/', type: 'directory', mode: 0o755, uid: 0, gid: 0 })
      // Run uids are past the ustar field's 7 octal digits (run-users.ts): pax records carry them.
      pack.entry({
        name: 'output/',
        type: 'directory',
        mode: 0o700,
        uid: 0,
        gid: 0,
        pax: { uid: String(owner.uid), gid: String(owner.gid) },
      })
    }
    if (files) {
      await addFile(pack, 'code/main.py', files.codeFile)
      await addFile(pack, 'input/data.json', files.inputFile)
      const dir = path.join(path.dirname(files.codeFile), INPUT_FILES_DIR)
      const names = fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []
      for (const name of names) {
        if (name !== 'data.json') await addFile(pack, `input/${name}`, path.join(dir, name))
      }
    }
    pack.finalize()
  }
  write().catch((err: unknown) => pack.destroy(err as Error))
  return pack as unknown as NodeJS.ReadableStream
}

/** One regular file of the run folder into the tar, streamed (a link or special file is refused). */
async function addFile(pack: tar.Pack, name: string, file: string): Promise<void> {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW)
  try {
    const st = fs.fstatSync(fd)
    if (!st.isFile()) throw new Error(`${name} is not a regular file`)
    await new Promise<void>((resolve, reject) => {
      const sink = pack.entry(
        { name, size: st.size, mode: 0o444, uid: 0, gid: 0, type: 'file' },
        (err) => (err ? reject(err) : resolve()),
      )
      const src = fs.createReadStream('', { fd, autoClose: false, start: 0 })
      src.on('error', reject)
      src.pipe(sink)
    })
  } finally {
    fs.closeSync(fd)
  }
}
