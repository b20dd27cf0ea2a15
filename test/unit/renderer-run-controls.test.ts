import { describe, expect, it } from 'vitest'
import { inputBoxLabel, runButtonLabel, runControls } from '../../src/renderer/src/run-controls'

const api = { id: 'api-job', status: 'running' as const }
const queuedApi = { id: 'api-job', status: 'queued' as const }
const mine = { id: 'mine', status: 'running' as const }
const finished = { id: 'old', status: 'succeeded' as const }

describe('which run Run, Stop and Esc act on', () => {
  it('leaves Run free while only a watched API job is live (running or queued)', () => {
    for (const shown of [api, queuedApi]) {
      const c = runControls(shown, null)
      expect(c.busy).toBe(false)
      expect(c.stopTarget).toBeNull()
      expect(c.watching).toBe('api-job')
    }
  })

  it('stops the own run, not the watched API job on screen', () => {
    const c = runControls(api, mine)
    expect(c.busy).toBe(true)
    expect(c.stopTarget).toBe('mine')
    expect(c.watching).toBe('api-job')
  })

  it('stops the own run when it is the one shown, and watches nothing', () => {
    const c = runControls(mine, mine)
    expect(c).toEqual({ busy: true, stopTarget: 'mine', watching: null })
  })

  it('stops the own run while a finished run is shown', () => {
    expect(runControls(finished, mine)).toEqual({ busy: true, stopTarget: 'mine', watching: null })
  })

  it('is idle with a finished run shown, or nothing shown', () => {
    const idle = { busy: false, stopTarget: null, watching: null }
    expect(runControls(finished, null)).toEqual(idle)
    expect(runControls(null, null)).toEqual(idle)
  })

  it('stops watching a run once it has ended', () => {
    expect(runControls({ id: 'api-job', status: 'cancelled' }, null).watching).toBeNull()
  })
})

describe('what the Run button and a watched run’s input box say', () => {
  it('says Run runs the draft while another run is on screen', () => {
    expect(runButtonLabel(false)).toEqual({ text: '▶ Run', title: 'Run (Ctrl+Enter)' })
    const other = runButtonLabel(true)
    expect(other.text).toBe('▶ Run draft')
    expect(other.title).toMatch(/^Run your draft \(Ctrl\+Enter\)/)
  })

  it('names the watched run an input box answers, and whether it is an API job', () => {
    expect(inputBoxLabel(null, false)).toBe('Input for the running script')
    expect(inputBoxLabel('0123456789abcdef', true)).toBe('Input for run 01234567 (an API job)')
    expect(inputBoxLabel('0123456789abcdef', false)).toBe(
      'Input for run 01234567 (not started here)',
    )
  })
})
