// Imported exercise packs and their submissions on disk (see docs/exercise-pack.md, 'Storage'):
//   exercises/<id>/pack/…            the pack's files, exactly as verified at import
//   exercises/<id>/manifest.json     every file's size and sha256 (checked again on each read)
//   exercises/<id>/exercise.json     the summary the list shows (id, title, points, hashes)
//   submissions/<sid>/submission.json, code.py, results.json (Gradescope's form, once done)
// Every metadata write is atomic; a pack appears only once all of its files are written (a staging
// folder renamed into place). Indexes of both are kept in memory, loaded once at start-up.
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type {
  ExerciseSpec,
  ExerciseSummary,
  GradingResults,
  SubmissionStatus,
  TestResult,
} from '../../shared/exercise'
import { currentOwner, ownerAlive } from '../engine/owner'
import { removeTree } from '../engine/remove-tree'
import { writeFileAtomic } from './atomic-write'

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
const PACK_DIR = 'pack'
const MANIFEST = 'manifest.json'
const SUMMARY = 'exercise.json'
const SUBMISSION = 'submission.json'
const CODE = 'code.py'
const RESULTS = 'results.json'

export function isValidExerciseId(id: string): boolean {
  return ID.test(id) && !id.includes('..')
}

export interface StoredPackFile {
  path: string
  size: number
  sha256: string
}

export interface StoredExercise {
  summary: ExerciseSummary
  spec: ExerciseSpec
  files: StoredPackFile[]
}

/** A submission as persisted; hidden tests' output is already the neutral message. */
export interface StoredSubmission {
  id: string
  exerciseId: string
  createdAt: string
  endedAt: string | null
  status: SubmissionStatus
  score: number | null
  maxScore: number
  total: number
  tests: TestResult[]
  results: GradingResults | null
  error: string | null
  packSha256: string
  /** The process grading it (`host:pid:start`): start-up recovery touches only a dead owner's. */
  owner: string
}

/** Why a submission a stopped app left unfinished failed. */
export const INTERRUPTED_MESSAGE =
  'Grading was interrupted: the app stopped before every test had run. Submit again.'

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

export class ExerciseStore {
  readonly exercisesDir: string
  readonly submissionsDir: string
  private readonly exercises = new Map<string, StoredExercise>()
  private readonly submissions = new Map<string, StoredSubmission>()
  readonly owner = currentOwner()

  constructor(readonly dataDir: string) {
    this.exercisesDir = path.join(dataDir, 'exercises')
    this.submissionsDir = path.join(dataDir, 'submissions')
    fs.mkdirSync(this.exercisesDir, { recursive: true })
    fs.mkdirSync(this.submissionsDir, { recursive: true })
    this.load()
  }

  private load(): void {
    for (const e of fs.readdirSync(this.exercisesDir, { withFileTypes: true })) {
      if (!e.isDirectory() || !isValidExerciseId(e.name)) continue
      try {
        const dir = path.join(this.exercisesDir, e.name)
        const summary = JSON.parse(
          fs.readFileSync(path.join(dir, SUMMARY), 'utf8'),
        ) as ExerciseSummary
        const files = (
          JSON.parse(fs.readFileSync(path.join(dir, MANIFEST), 'utf8')) as {
            files: StoredPackFile[]
          }
        ).files
        if (summary.id !== e.name) continue
        const stored = { summary, files, spec: {} as ExerciseSpec }
        this.exercises.set(e.name, stored)
        stored.spec = JSON.parse(
          this.packFile(e.name, 'exercise.json').toString('utf8'),
        ) as ExerciseSpec
      } catch {
        // A folder whose summary, manifest or spec cannot be read is not a usable exercise.
        this.exercises.delete(e.name)
      }
    }
    for (const e of fs.readdirSync(this.submissionsDir, { withFileTypes: true })) {
      if (!e.isDirectory() || !isValidExerciseId(e.name)) continue
      try {
        const rec = JSON.parse(
          fs.readFileSync(path.join(this.submissionsDir, e.name, SUBMISSION), 'utf8'),
        ) as StoredSubmission
        if (rec.id === e.name) this.submissions.set(rec.id, rec)
      } catch {
        // not a submission (a crash before its first write)
      }
    }
  }

  /**
   * Stores a verified pack as exercise `summary.id`, replacing one with that id: its files go into
   * a staging folder first, which takes the exercise's name only once complete.
   */
  async savePack(
    summary: ExerciseSummary,
    spec: ExerciseSpec,
    files: Map<string, Buffer>,
  ): Promise<void> {
    if (!isValidExerciseId(summary.id)) throw new Error(`invalid exercise id: ${summary.id}`)
    const staging = path.join(this.exercisesDir, `.staging-${randomBytes(8).toString('hex')}`)
    const manifest: StoredPackFile[] = []
    try {
      for (const [rel, bytes] of files) {
        const file = path.join(staging, PACK_DIR, ...rel.split('/'))
        fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 })
        fs.writeFileSync(file, bytes, { mode: 0o444, flag: 'wx' })
        manifest.push({ path: rel, size: bytes.length, sha256: sha256(bytes) })
      }
      writeFileAtomic(
        path.join(staging, MANIFEST),
        JSON.stringify({ format: 1, files: manifest }, null, 2),
      )
      writeFileAtomic(path.join(staging, SUMMARY), JSON.stringify(summary, null, 2))
      const dir = this.packRoot(summary.id)
      let old: string | null = null
      if (fs.existsSync(dir)) {
        old = path.join(this.exercisesDir, `.old-${randomBytes(8).toString('hex')}`)
        fs.renameSync(dir, old)
      }
      fs.renameSync(staging, dir)
      this.exercises.set(summary.id, { summary, spec, files: manifest })
      if (old) await removeTree(old)
    } catch (err) {
      await removeTree(staging)
      throw err
    }
  }

  private packRoot(id: string): string {
    if (!isValidExerciseId(id)) throw new Error(`invalid exercise id: ${id}`)
    return path.join(this.exercisesDir, id)
  }

  get(id: string): StoredExercise | undefined {
    return isValidExerciseId(id) ? this.exercises.get(id) : undefined
  }

  /** Newest import first. */
  list(): ExerciseSummary[] {
    return [...this.exercises.values()]
      .map((e) => e.summary)
      .sort((a, b) => (a.importedAt < b.importedAt ? 1 : a.importedAt > b.importedAt ? -1 : 0))
  }

  /**
   * A file of an imported pack, checked against the manifest written at import: a file changed on
   * disk since then is an error, not a grade.
   */
  packFile(id: string, rel: string): Buffer {
    const entry = this.exercises.get(id)?.files.find((f) => f.path === rel)
    if (!entry) throw new Error(`${rel} is not a file of exercise ${id}`)
    const bytes = fs.readFileSync(path.join(this.packRoot(id), PACK_DIR, ...rel.split('/')))
    if (bytes.length !== entry.size || sha256(bytes) !== entry.sha256) {
      throw new Error(`${rel} of exercise ${id} changed on disk since it was imported`)
    }
    return bytes
  }

  /** Deletes an exercise, its pack and its submissions. */
  async delete(id: string): Promise<boolean> {
    if (!this.exercises.has(id)) return false
    this.exercises.delete(id)
    for (const s of [...this.submissions.values()]) {
      if (s.exerciseId === id) {
        this.submissions.delete(s.id)
        await removeTree(this.submissionDir(s.id))
      }
    }
    await removeTree(this.packRoot(id))
    return true
  }

  private submissionDir(id: string): string {
    if (!isValidExerciseId(id)) throw new Error(`invalid submission id: ${id}`)
    return path.join(this.submissionsDir, id)
  }

  /** Persists a new submission with its code. */
  createSubmission(rec: StoredSubmission, code: string): void {
    const dir = this.submissionDir(rec.id)
    fs.mkdirSync(dir, { recursive: true })
    writeFileAtomic(path.join(dir, CODE), code)
    this.saveSubmission(rec)
  }

  saveSubmission(rec: StoredSubmission): void {
    const dir = this.submissionDir(rec.id)
    if (rec.results) writeFileAtomic(path.join(dir, RESULTS), JSON.stringify(rec.results, null, 2))
    writeFileAtomic(path.join(dir, SUBMISSION), JSON.stringify(rec, null, 2))
    this.submissions.set(rec.id, rec)
  }

  getSubmission(id: string): StoredSubmission | undefined {
    return isValidExerciseId(id) ? this.submissions.get(id) : undefined
  }

  readSubmissionCode(id: string): string {
    try {
      return fs.readFileSync(path.join(this.submissionDir(id), CODE), 'utf8')
    } catch {
      return ''
    }
  }

  /** An exercise's submissions, newest first. */
  submissionsOf(exerciseId: string): StoredSubmission[] {
    return [...this.submissions.values()]
      .filter((s) => s.exerciseId === exerciseId)
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))
  }

  /**
   * At start-up: submissions a process that is gone left queued or running become `failed`, with
   * the reason; a live owner's are never touched.
   */
  reconcile(now = new Date()): StoredSubmission[] {
    const fixed: StoredSubmission[] = []
    for (const s of this.submissions.values()) {
      if (s.status !== 'queued' && s.status !== 'running') continue
      if (s.owner === this.owner || ownerAlive(s.owner)) continue
      const rec: StoredSubmission = {
        ...s,
        status: 'failed',
        score: null,
        endedAt: now.toISOString(),
        error: INTERRUPTED_MESSAGE,
      }
      this.saveSubmission(rec)
      fixed.push(rec)
    }
    return fixed
  }
}
