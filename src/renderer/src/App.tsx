import { useCallback, useEffect, useState, type JSX } from 'react'
import { client } from './api/client'
import { Banners } from './components/Banners'
import { CompareActions } from './components/CompareActions'
import { ComparePicker } from './components/ComparePicker'
import { CompareView } from './components/CompareView'
import { ConnectionDialog } from './components/ConnectionDialog'
import { BundleButtons, BundleDrop } from './components/BundleActions'
import { DeleteDialog } from './components/DeleteDialog'
import { Editors } from './components/Editors'
import { RunPanel } from './components/RunPanel'
import { Sidebar } from './components/Sidebar'
import { Toolbar } from './components/Toolbar'
import { useCompare } from './hooks/useCompare'
import { useBundles } from './hooks/useBundles'
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
  const compare = useCompare(report)
  const { openCompare } = compare
  const [confirmDelete, setConfirmDelete] = useState<string | null>(null)
  const [connectionOpen, setConnectionOpen] = useState(false)
  const bundles = useBundles(notices, { refresh: history.refresh, open: run.open })
  const shown = run.detail && run.detail.id === run.live?.id && !run.running ? run.detail.id : null
  // The shown run's error line is marked in the editor only while the editor holds its code.
  const [lineRequest, setLineRequest] = useState<{ line: number; seq: number } | null>(null)
  const codeMatches = run.detail !== null && run.detail.code === draft.draft.code
  const errorLine = codeMatches ? (run.detail?.error?.line ?? null) : null
  const showLine = useCallback(
    (line: number) => setLineRequest((r) => ({ line, seq: (r?.seq ?? 0) + 1 })),
    [],
  )

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
      ...(draft.draft.runtime ? { runtime: draft.draft.runtime } : {}),
      ...draft.stdin(),
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
          stdin: d.stdin ?? '',
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
        onConnection={() => setConnectionOpen(true)}
        bundleActions={
          <BundleButtons
            exportId={shown}
            onExport={bundles.exportRun}
            onImport={bundles.importFile}
          />
        }
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
        {compare.pair ? (
          <CompareView
            a={compare.pair.a}
            b={compare.pair.b}
            onClose={compare.close}
            onOpen={(id) => {
              compare.close()
              void run.open(id)
            }}
          />
        ) : (
          <>
            <Editors
              draft={draft}
              onRun={() => void startDraft()}
              errorLine={errorLine}
              reveal={lineRequest}
            />
            <RunPanel
              live={run.live}
              detail={run.detail}
              running={running}
              tab={run.tab}
              onTab={run.setTab}
              onRerun={(id, l) => void run.rerun(id, l)}
              onBuild={(n) => void envs.build(n)}
              onShowLine={showLine}
              codeMatches={codeMatches}
              clock={run.clock}
              elsewhere={run.elsewhere}
              onShow={(id) => void run.open(id)}
              onInput={run.sendInput}
              actions={
                run.detail && (
                  <CompareActions
                    run={run.detail}
                    replaying={compare.replaying.includes(run.detail.id)}
                    onPick={compare.pickFor}
                    onReplay={(id) => void compare.replay(id)}
                  />
                )
              }
            />
          </>
        )}

        <Sidebar
          history={history}
          environments={envs.environments.map((e) => e.name)}
          selectedId={run.live?.id ?? null}
          detail={run.detail}
          onOpen={(id) => {
            compare.close()
            void run.open(id)
          }}
          onCompare={openCompare}
          onRerun={(id) => void run.rerun(id)}
          onFork={(id) => void fork(id)}
          onDelete={setConfirmDelete}
          onReveal={reveal}
        />
      </main>
      {compare.picking && (
        <ComparePicker
          from={compare.picking}
          onPick={openCompare}
          onClose={() => compare.pickFor(null)}
        />
      )}
      <BundleDrop onDrop={bundles.importFile} />
      {confirmDelete && (
        <DeleteDialog
          onCancel={() => setConfirmDelete(null)}
          onConfirm={() => remove(confirmDelete)}
        />
      )}
      {connectionOpen && <ConnectionDialog onClose={() => setConnectionOpen(false)} />}
    </div>
  )
}
