import { useCallback, useEffect, useState, type JSX } from 'react'
import { client } from './api/client'
import { Banners } from './components/Banners'
import { DeleteDialog } from './components/DeleteDialog'
import { Editors } from './components/Editors'
import { RunPanel } from './components/RunPanel'
import { Sidebar } from './components/Sidebar'
import { Toolbar } from './components/Toolbar'
import { useDraft } from './hooks/useDraft'
import { useEnvironments } from './hooks/useEnvironments'
import { useHistory } from './hooks/useHistory'
import { useLiveRun } from './hooks/useLiveRun'
import { useNotices } from './hooks/useNotices'

/** The composition: each hook owns one part of the state, each component one part of the screen. */
export function App(): JSX.Element {
  const notices = useNotices()
  const report = notices.error
  const draft = useDraft()
  const envs = useEnvironments(report)
  const history = useHistory(report)
  const run = useLiveRun(report, notices.info)
  const [confirmDelete, setConfirmDelete] = useState<string | null>(null)

  const canRun = draft.input.error === null && envs.docker?.available !== false
  const { start, running, stop } = run
  const startDraft = useCallback(async () => {
    // While a run is live, `start` says so (a notice) instead of starting another.
    if (draft.input.value === null) return
    notices.dismiss()
    await start({
      code: draft.draft.code,
      input: draft.input.value,
      environment: draft.draft.environment,
      limits: draft.limits(),
      // The app answers the script's input() live (see docs/run-contract.md, 'Standard input').
      interactive: true,
    })
  }, [draft, start, notices])

  const fork = useCallback(
    async (id: string) => {
      try {
        const d = await client.call('runs:get', { id })
        draft.update({
          code: d.code,
          input: JSON.stringify(d.input ?? {}, null, 2),
          environment: d.environment,
        })
        notices.info(`Forked run ${id.slice(0, 8)} into the editor`)
      } catch (err) {
        report(err)
      }
    },
    [draft, notices, report],
  )

  const reveal = useCallback(
    (id: string) => {
      client.call('runs:reveal', { id }).then((r) => {
        if (!r.opened) notices.info(`The run's folder: ${r.path}`)
      }, report)
    },
    [notices, report],
  )

  const remove = useCallback(
    (id: string) => {
      setConfirmDelete(null)
      client
        .call('runs:delete', { id })
        .then(() => {
          run.forget(id)
          return history.refresh()
        })
        .catch(report)
    },
    [run, history, report],
  )

  // Global shortcuts: Ctrl/Cmd+Enter runs, Esc stops.
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      // An editor that handled the key (its own Ctrl+Enter binding) has already run it.
      if (e.defaultPrevented) return
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault()
        void startDraft()
      } else if (e.key === 'Escape' && running) {
        e.preventDefault()
        void stop()
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [startDraft, stop, running])

  return (
    <div className="app">
      <Toolbar
        draft={draft.draft}
        onDraft={draft.update}
        environments={envs.environments}
        docker={envs.docker}
        running={running}
        canRun={canRun}
        onRun={() => void startDraft()}
        onStop={() => void stop()}
      />
      <Banners
        docker={envs.docker}
        env={envs.environments.find((e) => e.name === draft.draft.environment)}
        build={envs.builds[draft.draft.environment]}
        notice={notices.current}
        onBuild={(n) => void envs.build(n)}
        onCancelBuild={(n) => void envs.cancelBuild(n)}
        onDismiss={notices.dismiss}
      />
      <main className="workspace">
        <Editors draft={draft} onRun={() => void startDraft()} />
        <RunPanel
          live={run.live}
          clock={run.clock}
          elsewhere={run.elsewhere}
          onShow={(id) => void run.open(id)}
          onInput={run.sendInput}
          detail={run.detail}
          running={running}
          tab={run.tab}
          onTab={run.setTab}
          onRerun={(id, l) => void run.rerun(id, l)}
          onBuild={(n) => void envs.build(n)}
        />
        <Sidebar
          history={history}
          environments={envs.environments.map((e) => e.name)}
          selectedId={run.live?.id ?? null}
          detail={run.detail}
          onOpen={(id) => void run.open(id)}
          onRerun={(id) => void run.rerun(id)}
          onFork={(id) => void fork(id)}
          onDelete={setConfirmDelete}
          onReveal={reveal}
        />
      </main>
      {confirmDelete && (
        <DeleteDialog
          onCancel={() => setConfirmDelete(null)}
          onConfirm={() => remove(confirmDelete)}
        />
      )}
    </div>
  )
}
