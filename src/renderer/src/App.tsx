import { useState, type JSX } from 'react'

const API = window.location.protocol.startsWith('http') ? '' : 'http://127.0.0.1:8000'

interface ExecuteResult {
  status: string
  stdout: string
  stderr: string
  error: string | null
  output: unknown
}

/** First slice of the app: run a script and see its status and output. */
export function App(): JSX.Element {
  const [code, setCode] = useState("print('Hello, World!')")
  const [result, setResult] = useState<ExecuteResult | null>(null)
  const [busy, setBusy] = useState(false)
  const [failure, setFailure] = useState<string | null>(null)

  async function run(): Promise<void> {
    setBusy(true)
    setFailure(null)
    try {
      const res = await fetch(`${API}/execute`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code }),
      })
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`)
      setResult((await res.json()) as ExecuteResult)
    } catch (err) {
      setFailure((err as Error).message)
    } finally {
      setBusy(false)
    }
  }

  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', padding: 16 }}>
      <h1>Tako VM Desktop</h1>
      <label htmlFor="code">Script</label>
      <textarea
        id="code"
        value={code}
        onChange={(e) => setCode(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void run()
        }}
        rows={12}
        style={{ display: 'block', width: '100%', fontFamily: 'monospace' }}
      />
      <button type="button" onClick={() => void run()} disabled={busy}>
        {busy ? 'Running…' : 'Run'}
      </button>
      {failure && <p role="alert">{failure}</p>}
      {result && (
        <section aria-label="Result">
          <p>
            Status: <strong>{result.status}</strong> {result.error}
          </p>
          <pre>{result.stdout}</pre>
          <pre style={{ color: '#b00' }}>{result.stderr}</pre>
        </section>
      )}
    </main>
  )
}
