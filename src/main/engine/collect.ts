import type { RunLimits, RunOutcome, RunWarning } from '../../shared/run'
import { collectArtifacts } from './artifact-walker'
import { readResultJson } from './result-parser'

/** What a run left in /output: result.json and the artifacts, with warnings about either. */
export async function collect(
  outputDir: string,
  limits: RunLimits,
): Promise<{
  parsed: ReturnType<typeof readResultJson>
  artifacts: RunOutcome['artifacts']
  warnings: RunWarning[]
}> {
  const warnings: RunWarning[] = []
  const parsed = readResultJson(outputDir, limits.resultBytes)
  if (parsed.warning) warnings.push(parsed.warning)
  let artifacts: RunOutcome['artifacts'] = []
  try {
    const walked = await collectArtifacts(outputDir, limits)
    artifacts = walked.artifacts
    warnings.push(...walked.warnings)
  } catch (err) {
    warnings.push({
      code: 'artifact_error',
      message: `artifacts could not be collected: ${(err as Error).message}`,
    })
  }
  return { parsed, artifacts, warnings }
}
