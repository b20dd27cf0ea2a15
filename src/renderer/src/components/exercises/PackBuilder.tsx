import { useState, type JSX } from 'react'
import type { RunDetail } from '../../../../shared/api'
import { formatTime } from '../../format'
import type { TeacherState } from '../../hooks/useExercisesTeacher'
import { CodeEditor } from '../LazyCodeEditor'
import { PaneTitle } from '../PaneTitle'
import { TabList } from '../TabList'
import { Instructions } from './Instructions'
import { formProblems } from './pack-draft'
import { TestDraftEditor } from './TestDraftEditor'
import './pack-builder.css'

const LIMITS = [
  ['timeoutS', 'Timeout (s)'],
  ['memoryMb', 'Memory (MiB)'],
] as const

function runLine(run: RunDetail): string {
  const input = JSON.stringify(run.input ?? {})
  const out = run.stdout.trim().split('\n')[0] ?? ''
  return `input ${input.length > 60 ? `${input.slice(0, 57)}…` : input} → ${out.slice(0, 60) || '(no output)'}`
}

/** The script's recorded runs, each of which can become a test. */
function RunChoices({ teacher }: { teacher: TeacherState }): JSX.Element {
  const { runs } = teacher
  return (
    <section className="run-choices" aria-labelledby="run-choices-title">
      <h3 id="run-choices-title">Recorded runs of this script</h3>
      {runs === null ? (
        <p className="muted">Looking for runs…</p>
      ) : runs.length === 0 ? (
        <p className="muted">
          No successful run of this exact script yet: run it in the Scripts view, once per input a
          test should use, then come back.
        </p>
      ) : (
        <ul>
          {runs.map((r) => (
            <li key={r.id} className="run-choice">
              <div>
                <code>{r.id.slice(0, 8)}</code>{' '}
                <span className="muted">{formatTime(r.createdAt)}</span>
                <div className="run-choice-line">{runLine(r)}</div>
                <div className="muted run-choice-line">
                  {[
                    r.stdin ? 'input lines' : '',
                    r.outputJson !== null ? 'result.json' : '',
                    r.artifacts.length ? `${r.artifacts.length} files` : '',
                  ]
                    .filter(Boolean)
                    .join(' · ')}
                </div>
              </div>
              <button type="button" onClick={() => teacher.addTest(r)}>
                Add as test
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

/**
 * Teacher mode: an exercise pack made from the current script. Its details, the instructions
 * (Markdown, with a preview), the starter code, tests from recorded runs, then a preview as a
 * student sees it and the export.
 */
export function PackBuilder({
  teacher,
  onPreview,
  onClose,
}: {
  teacher: TeacherState
  onPreview: () => void
  onClose: () => void
}): JSX.Element {
  const { form, update } = teacher
  const [tab, setTab] = useState<'write' | 'preview'>('write')
  const problems = formProblems(form)
  return (
    <section className="pack-builder pane" aria-labelledby="pack-builder-title">
      <header className="exercise-header">
        <h2 id="pack-builder-title">Create an exercise from this script</h2>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </header>
      <div className="pack-builder-body">
        <div className="pack-builder-col">
          <div className="test-draft-row">
            <label className="field grow">
              <span>Title</span>
              <input value={form.title} onChange={(e) => update({ title: e.target.value })} />
            </label>
            <label className="field">
              <span>Id</span>
              <input value={form.id} onChange={(e) => update({ id: e.target.value })} />
            </label>
          </div>
          <div className="test-draft-row">
            <label className="field">
              <span>Environment</span>
              <input value={form.environment} readOnly />
            </label>
            {LIMITS.map(([key, title]) => (
              <label key={key} className="field small">
                <span>{title}</span>
                <input
                  inputMode="numeric"
                  placeholder="default"
                  value={form[key]}
                  onChange={(e) => update({ [key]: e.target.value.replace(/[^\d]/g, '') })}
                />
              </label>
            ))}
          </div>
          <div className="instructions-editor">
            <TabList
              className="tabs"
              label="Instructions"
              tabs={['write', 'preview'] as const}
              selected={tab}
              onSelect={setTab}
              labelOf={(t) => (t === 'write' ? 'Instructions (Markdown)' : 'Preview')}
            />
            {tab === 'write' ? (
              <textarea
                aria-label="Instructions (Markdown)"
                spellCheck
                value={form.instructions}
                onChange={(e) => update({ instructions: e.target.value })}
              />
            ) : (
              <Instructions source={form.instructions} label="Instructions preview" />
            )}
          </div>
          <div className="starter-editor">
            <PaneTitle title="starter.py" note="the code students start from" />
            <CodeEditor
              language="python"
              label="Starter code"
              value={form.starter}
              onChange={(starter) => update({ starter })}
            />
          </div>
        </div>
        <div className="pack-builder-col">
          <RunChoices teacher={teacher} />
          <section aria-labelledby="tests-title">
            <h3 id="tests-title">Tests ({form.tests.length})</h3>
            {form.tests.map((t, i) => (
              <TestDraftEditor
                key={i}
                test={t}
                index={i}
                run={teacher.runsById.get(t.fromRun)}
                onChange={(c) => teacher.updateTest(i, c)}
                onRemove={() => teacher.removeTest(i)}
              />
            ))}
          </section>
        </div>
      </div>
      <footer className="pack-builder-foot">
        {problems.length > 0 ? (
          <ul className="pack-problems" aria-label="Before exporting">
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        ) : (
          <span className="muted">Ready to export.</span>
        )}
        <button type="button" onClick={onPreview}>
          Preview as student
        </button>
        <button
          type="button"
          className="primary"
          disabled={problems.length > 0 || teacher.exporting}
          onClick={teacher.exportNow}
        >
          Export pack…
        </button>
      </footer>
    </section>
  )
}
