import type { JSX } from 'react'
import type { RunDetail } from '../../../../shared/api'
import type { TestDraft } from '../../../../shared/exercise'

type FileMode = 'off' | 'equals' | 'exists'

function fileMode(t: TestDraft, name: string): FileMode {
  if (t.expectFiles.includes(name)) return 'equals'
  return t.existFiles?.includes(name) ? 'exists' : 'off'
}

function withFileMode(t: TestDraft, name: string, mode: FileMode): Partial<TestDraft> {
  const expectFiles = t.expectFiles.filter((f) => f !== name)
  const existFiles = (t.existFiles ?? []).filter((f) => f !== name)
  if (mode === 'equals') expectFiles.push(name)
  if (mode === 'exists') existFiles.push(name)
  return { expectFiles, existFiles }
}

/** One test of the pack being made: its name, points and visibility, and what it expects. */
export function TestDraftEditor({
  test,
  index,
  run,
  onChange,
  onRemove,
}: {
  test: TestDraft
  index: number
  run: RunDetail | undefined
  onChange: (change: Partial<TestDraft>) => void
  onRemove: () => void
}): JSX.Element {
  const id = `test-${index}`
  const stdout = run?.stdout ?? ''
  return (
    <fieldset className="test-draft" data-testid="test-draft">
      <legend>
        Test {index + 1}{' '}
        <span className="muted">
          from run <code>{test.fromRun.slice(0, 8)}</code>
        </span>
      </legend>
      <div className="test-draft-row">
        <label className="field grow">
          <span>Name</span>
          <input value={test.name} onChange={(e) => onChange({ name: e.target.value })} />
        </label>
        <label className="field small">
          <span>Points</span>
          <input
            inputMode="numeric"
            value={String(test.points)}
            onChange={(e) => onChange({ points: Number(e.target.value.replace(/[^\d]/g, '')) })}
          />
        </label>
        <label className="field">
          <span>Visibility</span>
          <select
            value={test.visibility}
            onChange={(e) => onChange({ visibility: e.target.value as TestDraft['visibility'] })}
          >
            <option value="visible">visible</option>
            <option value="hidden">hidden</option>
          </select>
        </label>
        <button type="button" className="danger" onClick={onRemove}>
          Remove
        </button>
      </div>
      <div className="test-draft-row">
        <label className="field">
          <span>Expect stdout</span>
          <select
            value={test.expectStdout ?? ''}
            onChange={(e) => {
              const v = e.target.value
              onChange({ expectStdout: v === '' ? null : (v as 'equals' | 'contains') })
            }}
          >
            <option value="">not checked</option>
            <option value="equals">equals the run&apos;s output</option>
            <option value="contains">contains…</option>
          </select>
        </label>
        {test.expectStdout === 'contains' && (
          <label className="field grow">
            <span>Text the output contains</span>
            <input
              value={test.stdoutText ?? stdout.trim()}
              onChange={(e) => onChange({ stdoutText: e.target.value })}
            />
          </label>
        )}
        <label className="check">
          <input
            type="checkbox"
            checked={test.expectResult}
            disabled={!run?.outputJson && !test.expectResult}
            onChange={(e) => onChange({ expectResult: e.target.checked })}
          />
          Expect its result.json
        </label>
      </div>
      {run && run.artifacts.length > 0 && (
        <div className="test-draft-files" role="group" aria-labelledby={`${id}-files`}>
          <span id={`${id}-files`} className="muted">
            Expect these files
          </span>
          {run.artifacts.map((a) => (
            <label key={a.name} className="field">
              <span>{a.name}</span>
              <select
                value={fileMode(test, a.name)}
                onChange={(e) => onChange(withFileMode(test, a.name, e.target.value as FileMode))}
              >
                <option value="off">not checked</option>
                <option value="equals">same content</option>
                <option value="exists">exists</option>
              </select>
            </label>
          ))}
        </div>
      )}
    </fieldset>
  )
}
