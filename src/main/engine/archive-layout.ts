import type { SandboxUser } from './container-spec'

/**
 * How an engine's archive API meets a run's volumes (see docs/remote-hosts.md, 'Podman'). Docker
 * resolves every name of a tar put at `/` through the container's mounts, so one tar fills all
 * three volumes; Podman resolves only the path it is given, so a tar at `/` lands in the
 * container's own root file system under the volumes, and each volume needs its own tar at its own
 * path. Their `/output` tars differ too: Docker names the entries `output/`, `output/a`; Podman
 * `/`, `/a`.
 */
export interface ArchiveDialect {
  /** `root`: one tar at `/` (Docker); `per-volume`: one tar at each volume's path (Podman). */
  layout: 'root' | 'per-volume'
  /** The first name component of `/output`'s entries in `getArchive('/output')`: `output` or ``. */
  outputTop: string
  /**
   * The output volume is created owned by the run's user (Podman's `o=uid=…,gid=…`). Podman gives a
   * volume that was created without an owner the owner and mode of the image's mount point when
   * the first container using it starts, undoing the loader's; Docker's local driver refuses the
   * option without a `device` and leaves the folder as the loader put it.
   */
  ownedVolume: boolean
}

export function dialectOf(engine: 'docker' | 'podman'): ArchiveDialect {
  return engine === 'podman'
    ? { layout: 'per-volume', outputTop: '', ownedVolume: true }
    : { layout: 'root', outputTop: 'output', ownedVolume: false }
}

/** Driver options of a run's volume: the output volume's owner where the engine needs it. */
export function volumeOptions(
  dialect: ArchiveDialect,
  volume: VolumeName,
  owner: SandboxUser,
): Record<string, string> | undefined {
  if (!dialect.ownedVolume || volume !== 'output') return undefined
  return { o: `uid=${owner.uid},gid=${owner.gid}` }
}

export type VolumeName = 'code' | 'input' | 'output'

/** A host file that goes into a volume, read-only: `name` inside the volume. */
export interface LoadFile {
  name: string
  source: string
}

/** A run's files per volume (a warm container's /output gets nothing but its owner). */
export interface LoadFiles {
  code: LoadFile[]
  input: LoadFile[]
}

export interface TarEntry {
  name: string
  type: 'directory' | 'file'
  mode: number
  uid: number
  gid: number
  /** For a file: the host file it is read from. */
  source?: string
}

/** One putArchive: the container path the tar is put at, and its entries in order. */
export interface ArchivePut {
  path: string
  entries: TarEntry[]
}

const VOLUMES: readonly VolumeName[] = ['code', 'input', 'output']

/**
 * The puts that load a run's volumes through its loader. With `owner`, each volume's own folder
 * first: /code and /input root's (0755), /output the sandbox user's (0700, as a bind-mounted
 * /output); with `files`, the run's files, root's and read-only (0444). In the `per-volume` layout
 * a volume's own folder is the entry named `/`: it is the one name both engines apply to the folder
 * a tar is put at (measured: Docker skips an entry named `.` or `./` there, Podman applies all
 * three). A volume with nothing to put gets no put.
 */
export function planLoad(
  layout: ArchiveDialect['layout'],
  owner: SandboxUser | null,
  files: LoadFiles | null,
): ArchivePut[] {
  const perVolume = VOLUMES.map((volume): ArchivePut => {
    const entries: TarEntry[] = []
    if (owner) {
      const own = volume === 'output' ? owner : { uid: 0, gid: 0 }
      const mode = volume === 'output' ? 0o700 : 0o755
      entries.push({ name: '/', type: 'directory', mode, ...own })
    }
    for (const f of volume === 'output' ? [] : (files?.[volume] ?? [])) {
      entries.push({ name: f.name, type: 'file', mode: 0o444, uid: 0, gid: 0, source: f.source })
    }
    return { path: `/${volume}`, entries }
  }).filter((p) => p.entries.length > 0)
  if (layout === 'per-volume') return perVolume
  const entries = perVolume.flatMap((p) =>
    p.entries.map((e) => ({
      ...e,
      name: e.name === '/' ? `${p.path.slice(1)}/` : `${p.path.slice(1)}/${e.name}`,
    })),
  )
  return entries.length > 0 ? [{ path: '/', entries }] : []
}
