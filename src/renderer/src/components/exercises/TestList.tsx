import type { JSX } from 'react'
import type { ExerciseTestView } from '../../../../shared/exercise'

function expectations(t: Extract<ExerciseTestView, { visibility: 'visible' }>): string[] {
  const out: string[] = []
  const s = t.expect?.stdout
  if (s) {
    const [how, text] =
      s.equals !== undefined
        ? ['is exactly', s.equals]
        : s.contains !== undefined
          ? ['contains', s.contains]
          : ['matches', s.regex ?? '']
    const loose = [s.ignore_case && 'any case', s.ignore_whitespace && 'any spacing']
      .filter(Boolean)
      .join(', ')
    out.push(`output ${how} ${JSON.stringify(text)}${loose ? ` (${loose})` : ''}`)
  }
  for (const r of t.expect?.result ?? []) {
    out.push(
      r.exists !== undefined
        ? r.path === '$'
          ? 'result.json as the solution writes it'
          : `result.json has ${r.path}`
        : `result.json ${r.path} = ${JSON.stringify(r.equals)}`,
    )
  }
  for (const f of t.expect?.files ?? []) {
    out.push(f.equals_file ? `writes ${f.path} as expected` : `writes ${f.path}`)
  }
  if (t.hasCheck) out.push('a check script looks at the result')
  return out
}

/** The exercise's tests as a student may see them: hidden ones by name and points only. */
export function TestList({ tests }: { tests: readonly ExerciseTestView[] }): JSX.Element {
  return (
    <ul className="exercise-tests">
      {tests.map((t) => (
        <li key={t.name}>
          <div className="exercise-test-head">
            <strong>{t.name}</strong>
            <span className="muted">
              {t.points} pt{t.points === 1 ? '' : 's'}
              {t.visibility === 'hidden' ? ' · hidden' : ''}
            </span>
          </div>
          {t.visibility === 'visible' && (
            <>
              {t.input_data !== undefined && (
                <div className="exercise-test-line">
                  input <code>{JSON.stringify(t.input_data)}</code>
                </div>
              )}
              {t.stdin ? (
                <div className="exercise-test-line">
                  input lines <code>{JSON.stringify(t.stdin)}</code>
                </div>
              ) : null}
              {expectations(t).map((line) => (
                <div className="exercise-test-line" key={line}>
                  {line}
                </div>
              ))}
            </>
          )}
        </li>
      ))}
    </ul>
  )
}
