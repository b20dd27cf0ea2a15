// The app's contract (src/shared/api.ts) over the core: one transport-neutral handler per method.
// Handlers throw typed app errors (./errors); each transport maps them (see docs/architecture.md).
import type { Args, Method, RunDetail, RunSummary, TakoApi } from '../../shared/api'
import type { RunRecord } from '../../shared/record'
import { inRequestUnits } from '../../shared/limit-bounds'
import { contentTypeFor } from '../engine/content-type'
import { ENVIRONMENTS, findEnvironment } from '../environments/catalogue'
import { STDERR_FILE, STDOUT_FILE } from '../store/run-store'
import { compareRuns } from './compare'
import { connectionHandlers, type ConnectionSettings } from './connection-handlers'
import type { Core } from './core'
import { NotFound } from './errors'
import { bundleBytes, exportBundleToFile } from './bundle-files'
import { importBundle } from './bundle-import'
import { createExerciseHandlers } from './exercise-handlers'
import { dockerStatus } from './events'
import { buildPackZip, exportPackToFile } from './exercise-pack-writer'
import { createLifecycle } from './lifecycle'
import { resolveEnvironment, type RunRequest } from './run-request'

export type Handlers = { [M in Method]: (args: Args<M>) => Promise<TakoApi[M]> }

export function summarize(r: RunRecord): RunSummary {
  return {
    id: r.id,
    status: r.status,
    environment: r.environment,
    createdAt: r.createdAt,
    durationMs: r.durationMs,
    peakMemoryBytes: r.resourceUsage?.maxRssBytes ?? null,
    codePreview: r.codePreview,
    errorType: r.error?.type ?? null,
    parentId: r.parentId,
    relationship: r.relationship,
    source: r.source,
    imported: r.imported ?? null,
    inputFileCount: r.inputFiles?.length ?? 0,
    artifactCount: r.artifacts.length,
  }
}

/** The app's `environment` is a catalogue name or, when it is none, a custom local image. */
function placement(environment: string): Pick<RunRequest, 'environment' | 'image'> {
  return findEnvironment(environment) ? { environment } : { image: environment }
}

/**
 * What a run still queued or running printed so far (the job's replayed events: the first part of its
 * output, then a line saying the rest is not replayed), with the number of the last event they hold:
 * the events after it follow on. Null when the run is not live (its folder has the final output).
 */
function outputSoFar(
  core: Core,
  id: string,
): { stdout: string; stderr: string; seq: number } | null {
  const sofar = { stdout: '', stderr: '', seq: 0 }
  // `follow` replays synchronously before it subscribes: unsubscribing at once keeps the replay only.
  const off = core.jobs.follow(id, (e) => {
    if (e.type === 'run.output') sofar[e.stream] += e.text
    sofar.seq = Math.max(sofar.seq, e.seq)
  })
  if (!off) return null
  off()
  return sofar
}

function detailOf(core: Core, r: RunRecord): RunDetail {
  const { store } = core
  const live = core.jobs.stdinState(r.id)
  let input: unknown
  try {
    input = store.readInput(r.id)
  } catch {
    input = null
  }
  // A live run's output so far comes with the number of the last event it holds (see RunDetail).
  const sofar = outputSoFar(core, r.id)
  return {
    ...summarize(r),
    code: store.readCode(r.id),
    input,
    inputFiles: (r.inputFiles ?? []).map((f) => ({ ...f, contentType: contentTypeFor(f.name) })),
    stdout: sofar?.stdout ?? store.readText(r.id, STDOUT_FILE),
    stderr: sofar?.stderr ?? store.readText(r.id, STDERR_FILE),
    stdoutTruncated: r.stdoutTruncated,
    stderrTruncated: r.stderrTruncated,
    exitCode: r.exitCode,
    error: r.error,
    outputJson: store.readOutput(r.id),
    artifacts: r.artifacts,
    warnings: r.warnings,
    timing: r.timing,
    resourceUsage: r.resourceUsage ?? null,
    limits: inRequestUnits(r.limits),
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    runtime: r.runtime ?? 'runc',
    stdin: store.readStdin(r.id),
    interactive: r.interactive ?? false,
    waitingForInput: live?.waiting ?? null,
    stdinEvents: live?.events ?? r.stdinEvents ?? [],
    outputSeq: sofar?.seq ?? null,
    queuePosition: core.jobs.queuePosition(r.id),
  }
}

/** One handler per TakoApi method, transport-agnostic. */
export function createHandlers(
  core: Core,
  shell: {
    revealFolder?: (folder: string) => void
    /** Asks where to save a file (Electron's save dialog); null when the person cancels. */
    chooseSavePath?: (suggestedName: string, kind?: 'bundle' | 'exercise') => Promise<string | null>
    /** The Docker connection setting's store (the app); absent over HTTP. */
    connection?: ConnectionSettings
  } = {},
): Handlers {
  const { store, environments } = core
  const lifecycle = createLifecycle(core)

  return {
    async 'runs:start'(args) {
      const rec = await lifecycle.start({
        code: args.code,
        input: args.input,
        inputFiles: args.inputFiles ?? null,
        ...placement(args.environment),
        timeoutS: args.limits?.timeoutS ?? null,
        memoryMb: args.limits?.memoryMb ?? null,
        cpus: args.limits?.cpus ?? null,
        runtime: args.runtime ?? null,
        source: 'app',
        stdin: args.stdin ?? null,
        interactive: args.interactive ?? false,
      })
      return summarize(rec)
    },
    async 'runs:stdin'(args) {
      lifecycle.sendStdin(args.id, 'data' in args ? { data: args.data } : { eof: true })
      return { accepted: true }
    },
    async 'runs:cancel'(args) {
      return { cancelled: lifecycle.cancel(args.id) }
    },
    async 'runs:get'(args) {
      const r = store.get(args.id)
      if (!r) throw new NotFound('Run not found')
      return detailOf(core, r)
    },
    async 'runs:rerun'(args) {
      return summarize(await lifecycle.rerun(args.id, args.limits ?? {}, 'app'))
    },
    async 'runs:fork'(args) {
      const overrides = { ...args.limits, environment: args.environment ?? null }
      return summarize(await lifecycle.fork(args.id, args.code, overrides, 'app'))
    },
    async 'runs:delete'(args) {
      await lifecycle.remove(args.id)
      return { deleted: true }
    },
    async 'runs:reveal'(args) {
      if (!store.has(args.id)) throw new NotFound('Run not found')
      const folder = store.runDir(args.id)
      shell.revealFolder?.(folder)
      return { path: folder, opened: shell.revealFolder !== undefined }
    },
    async 'runs:compare'(args) {
      return compareRuns(store, args.id, args.with)
    },
    async 'runs:exportBundle'(args) {
      return exportBundleToFile(store, args.id, shell.chooseSavePath)
    },
    async 'runs:importBundle'(args) {
      return summarize(await importBundle(store, bundleBytes(args.data)))
    },
    async 'history:list'(args) {
      const page = store.list({
        limit: args.limit,
        offset: args.offset,
        ...(args.q ? { q: args.q } : {}),
        ...(args.status ? { status: args.status } : {}),
        ...(args.environment ? { environment: args.environment } : {}),
        ...(args.sort ? { sort: args.sort } : {}),
        ...(args.ids ? { ids: args.ids } : {}),
      })
      return { items: page.items.map(summarize), total: page.total, hasMore: page.hasMore }
    },
    async 'environments:list'() {
      return Promise.all(
        ENVIRONMENTS.map(async (e) => {
          const status = await environments.state(e.name).catch(() => 'unknown' as const)
          return {
            name: e.name,
            description: e.description,
            packages: e.packages,
            status,
            defaults: inRequestUnits(e.defaults),
            imageSizeBytes: status === 'ready' ? await environments.imageSize(e.name) : null,
          }
        }),
      )
    },
    async 'environments:build'(args) {
      resolveEnvironment(args.name)
      void environments.build(args.name).catch(() => undefined)
      return { started: true }
    },
    async 'environments:cancelBuild'(args) {
      return { cancelled: environments.cancelBuild(args.name) }
    },
    async 'docker:status'() {
      return dockerStatus(core)
    },
    ...createExerciseHandlers(core),
    async 'exercises:exportPack'(args) {
      return exportPackToFile(store, args.draft, shell.chooseSavePath)
    },
    async 'exercises:buildPack'(args) {
      return { data: Buffer.from(buildPackZip(store, args.draft)).toString('base64') }
    },
    ...connectionHandlers(core, shell.connection),
  }
}
