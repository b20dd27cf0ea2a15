import type { RunLimits, RunOutcome, RunWarning } from '../../shared/run'
import { collectArtifacts } from './artifact-walker'
import { walkOrderKey } from './collect-rules'
import { readResultJson, resultNotRead } from './result-parser'
import type { UnpackResult } from './tar-unpack'

/**
 * What a run left in /output: result.json and the artifacts, with warnings about either. With the
 * archive transfer, `unpacked` is what the tar unpacker refused before the walk (entries it never
 * wrote): its warnings join the walker's in the walk's order, so both transfers report the same.
 */
export async function collect(
  outputDir: string,
  limits: RunLimits,
  unpacked?: UnpackResult | null,
): Promise<{
  parsed: ReturnType<typeof readResultJson>
  artifacts: RunOutcome['artifacts']
  warnings: RunWarning[]
}> {
  const warnings: RunWarning[] = []
  const parsed = unpacked?.resultKind
    ? resultNotRead(unpacked.resultKind)
    : readResultJson(outputDir, limits.resultBytes)
  if (parsed.warning) warnings.push(parsed.warning)
  let artifacts: RunOutcome['artifacts'] = []
  try {
    const walked = await collectArtifacts(outputDir, limits)
    artifacts = walked.artifacts
    warnings.push(
      ...(unpacked ? inWalkOrder([...walked.warnings, ...unpacked.warnings]) : walked.warnings),
    )
  } catch (err) {
    warnings.push({
      code: 'artifact_error',
      message: `artifacts could not be collected: ${(err as Error).message}`,
    })
  }
  return { parsed, artifacts, warnings }
}

/** Warnings with a path in the walk's order (a stable sort), then those without one. */
function inWalkOrder(warnings: RunWarning[]): RunWarning[] {
  const key = (w: RunWarning): string => (w.path === undefined ? '\uffff' : walkOrderKey(w.path))
  return warnings
    .map((w, i) => ({ w, i, k: key(w) }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.i - b.i))
    .map((x) => x.w)
}
