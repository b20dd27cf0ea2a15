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
import {
  dialectOf,
  planLoad,
  type ArchiveDialect,
  type LoadFiles,
  type TarEntry,
  volumeOptions,
} from './archive-layout'
import { INPUT_FILES_DIR } from './input-files'
import type { RunPaths } from './run-folder'
import { unpackOutput, type UnpackResult } from './tar-unpack'

/** A run's volumes on the daemon's side, and the loader that holds them writable (or null). */
export interface ArchiveSlot {
  label: string
  volumes: RunVolumes
  loaderId: string | null
  /** The run's files are in (a warm container's are put at dispatch, once). */
  filled: boolean
}

type Archiving = Required<
  Pick<
    ContainerClient,
    'createVolume' | 'removeVolume' | 'putArchive' | 'getArchive' | 'create' | 'remove' | 'ping'
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
 * writable, so that tars put into it write /code, /input and the owner of /output (the run's
 * container cannot take them: Docker refuses to extract into a read-only volume or root). Docker
 * takes one tar at `/`, Podman one per volume (archive-layout.ts). After the run, /output comes
 * back as a tar stream, unpacked by the walker's rules (tar-unpack.ts), and the loader and the
 * volumes are removed after the container.
 */
export class ArchiveTransfer {
  private readonly client: Archiving
  private dialectOnce: Promise<ArchiveDialect> | null

  /** `dialect`: how the daemon's archive API behaves; by default asked of it (`GET /version`) once. */
  constructor(
    client: ContainerClient,
    private readonly sessionId: string,
    private readonly log: (event: string, fields: Record<string, unknown>) => void = () => {},
    dialect?: ArchiveDialect,
  ) {
    this.client = archiving(client)
    this.dialectOnce = dialect ? Promise.resolve(dialect) : null
  }

  /** Docker's or Podman's way (archive-layout.ts); a failed ask is asked again next time. */
  dialect(): Promise<ArchiveDialect> {
    const asked =
      this.dialectOnce ??
      this.client.ping().then(
        (v) => dialectOf(v.engine ?? 'docker'),
        (err: unknown) => {
          this.dialectOnce = null
          throw err
        },
      )
    this.dialectOnce = asked
    return asked
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
   * `owner`: the run's user, who owns /output (see `volumeOptions`).
   */
  async createVolumes(label: string, owner: SandboxUser): Promise<ArchiveSlot> {
    const volumes: RunVolumes = {
      code: `tako-${label}-code`,
      input: `tako-${label}-input`,
      output: `tako-${label}-output`,
    }
    const slot: ArchiveSlot = { label, volumes, loaderId: null, filled: false }
    const vlabels = this.labels(label, 'volume')
    const made = await this.dialect().then((dialect) =>
      Promise.allSettled(
        (['code', 'input', 'output'] as const).map((v) =>
          this.client.createVolume(volumes[v], vlabels, volumeOptions(dialect, v, owner)),
        ),
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
   * /output the sandbox user's — and, with `files`, the run's files; without (a warm container),
   * they are put by `fill` at dispatch. The loader stays until `release`: removing it is off the
   * run's path there. The run's container may be created meanwhile: nothing runs in it before
   * `start`.
   */
  async load(
    slot: ArchiveSlot,
    image: string,
    limits: RunLimits,
    user: SandboxUser,
    files: RunPaths | null,
  ): Promise<void> {
    const { layout } = await this.dialect()
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
    await this.put(slot.loaderId, planLoad(layout, user, files ? runFiles(files) : null))
    slot.filled = files !== null
  }

  /** Volumes and loader for one container, loaded (see `createVolumes`, `load`); released on failure. */
  async prepare(
    label: string,
    image: string,
    limits: RunLimits,
    user: SandboxUser,
    files: RunPaths | null,
  ): Promise<ArchiveSlot> {
    const slot = await this.createVolumes(label, user)
    try {
      await this.load(slot, image, limits, user, files)
      return slot
    } catch (err) {
      await this.release(slot)
      throw err
    }
  }

  /** Puts a run's files into a warm container's volumes through its loader (once). */
  async fill(slot: ArchiveSlot, files: RunPaths): Promise<void> {
    if (!slot.loaderId || slot.filled) throw new Error('the warm container has no loader left')
    slot.filled = true
    const { layout } = await this.dialect()
    await this.put(slot.loaderId, planLoad(layout, null, runFiles(files)))
  }

  /** The tars one after another (Docker extracts one at a time into a container anyway). */
  private async put(loaderId: string, puts: ReturnType<typeof planLoad>): Promise<void> {
    for (const p of puts) await this.client.putArchive(loaderId, p.path, packTar(p.entries))
  }

  /** Streams the container's /output into `outputDir` (see tar-unpack.ts); never throws. */
  async fetchOutput(
    containerId: string,
    outputDir: string,
    limits: RunLimits,
  ): Promise<UnpackResult> {
    try {
      const { outputTop } = await this.dialect()
      const stream = await this.client.getArchive(containerId, '/output')
      const caps = {
        artifactDepth: limits.artifactDepth,
        artifactBytes: limits.artifactBytes,
        maxBytes: DEFAULT_MAX_RUN_BYTES,
        maxEntries: DEFAULT_MAX_RUN_ENTRIES,
      }
      return await unpackOutput(stream, outputDir, caps, outputTop)
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
    await this.dropLoader(slot).catch((err: unknown) => {
      this.log('loader-remove-failed', { label: slot.label, error: dockerMessage(err) })
    })
    await Promise.all(
      [slot.volumes.code, slot.volumes.input, slot.volumes.output].map((v) =>
        this.client.removeVolume(v).catch((err: unknown) => {
          // Left for the start-up reaper (a container still using it, Docker away).
          this.log('volume-remove-failed', { volume: v, error: dockerMessage(err) })
        }),
      ),
    )
  }

  private async dropLoader(slot: ArchiveSlot): Promise<void> {
    const id = slot.loaderId
    if (!id) return
    slot.loaderId = null
    await this.client.remove(id)
  }
}

/** A run folder's files per volume: main.py, data.json and the run's input files (input-files.ts). */
function runFiles(files: RunPaths): LoadFiles {
  const dir = path.join(path.dirname(files.codeFile), INPUT_FILES_DIR)
  const names = fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []
  return {
    code: [{ name: 'main.py', source: files.codeFile }],
    input: [
      { name: 'data.json', source: files.inputFile },
      ...names
        .filter((name) => name !== 'data.json')
        .map((name) => ({ name, source: path.join(dir, name) })),
    ],
  }
}

/** A put's tar, streamed; files are read as they are packed. */
function packTar(entries: TarEntry[]): NodeJS.ReadableStream {
  const pack = tar.pack()
  const write = async (): Promise<void> => {
    for (const e of entries) {
      if (e.source !== undefined) {
        await addFile(pack, e, e.source)
        continue
      }
      // Run uids are past the ustar field's 7 octal digits (run-users.ts): pax records carry them.
      const pax = e.uid || e.gid ? { pax: { uid: String(e.uid), gid: String(e.gid) } } : {}
      pack.entry({ name: e.name, type: e.type, mode: e.mode, uid: 0, gid: 0, ...pax })
    }
    pack.finalize()
  }
  write().catch((err: unknown) => pack.destroy(err as Error))
  return pack as unknown as NodeJS.ReadableStream
}

/** One regular file of the run folder into the tar, streamed (a link or special file is refused). */
async function addFile(pack: tar.Pack, entry: TarEntry, file: string): Promise<void> {
  const { name, mode, uid, gid } = entry
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW)
  try {
    const st = fs.fstatSync(fd)
    if (!st.isFile()) throw new Error(`${name} is not a regular file`)
    await new Promise<void>((resolve, reject) => {
      const sink = pack.entry({ name, size: st.size, mode, uid, gid, type: 'file' }, (err) =>
        err ? reject(err) : resolve(),
      )
      const src = fs.createReadStream('', { fd, autoClose: false, start: 0 })
      src.on('error', reject)
      src.pipe(sink)
    })
  } finally {
    fs.closeSync(fd)
  }
}
