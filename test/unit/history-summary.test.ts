// A run's summary (the history's rows and the history events) carries its file counts from the
// record, so the list never asks per row.
import { describe, expect, it } from 'vitest'
import { summarize } from '../../src/main/app/handlers'
import { runRecord } from '../fixtures/run-record'

const file = (name: string) => ({ name, sizeBytes: 3, sha256: 'x', contentType: 'text/plain' })

describe('summarize', () => {
  it("counts the run's artifacts and input files", () => {
    const summary = summarize(
      runRecord('r1', {
        status: 'succeeded',
        artifacts: [file('a.csv'), file('plots/b.png')],
        inputFiles: [{ name: 'visits.csv', size: 39, sha256: 'x' }],
      }),
    )
    expect(summary.artifactCount).toBe(2)
    expect(summary.inputFileCount).toBe(1)
  })

  it('says 0 for a run without files (an older record has no inputFiles at all)', () => {
    const summary = summarize(runRecord('r2'))
    expect(summary.artifactCount).toBe(0)
    expect(summary.inputFileCount).toBe(0)
  })
})
