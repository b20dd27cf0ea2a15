import { useCallback, useEffect, useState, type JSX } from 'react'
import type { Args } from '../../shared/api'
import { isTerminal } from '../../shared/run'
import { client } from './api/client'
import { Banners } from './components/Banners'
import { CompareActions } from './components/CompareActions'
import { ComparePicker } from './components/ComparePicker'
import { CompareView } from './components/CompareView'
import { ConnectionDialog } from './components/ConnectionDialog'
import { BundleButtons, BundleDrop } from './components/BundleActions'
import { DeleteDialog } from './components/DeleteDialog'
import { ExercisesView } from './components/exercises/ExercisesView'
import { ViewNav } from './components/exercises/ViewNav'
import { Editors } from './components/Editors'
import { PastRunEditors } from './components/PastRunEditors'
import { ReplaceDraftDialog } from './components/ReplaceDraftDialog'
import { RunPanel } from './components/RunPanel'
import { Sidebar } from './components/Sidebar'
import { Toolbar } from './components/Toolbar'
import { useCompare } from './hooks/useCompare'
import { useBundles } from './hooks/useBundles'
import { useDraft } from './hooks/useDraft'
import { useEnvironments } from './hooks/useEnvironments'
import { useExercises } from './hooks/useExercises'
import { useExercisesView } from './hooks/useExercisesView'
import { useHistory } from './hooks/useHistory'
import { useLiveRun } from './hooks/useLiveRun'
import { useNotices } from './hooks/useNotices'
import { inputFileArgs } from './draft-files'
import { isExercisePack } from './zip-kind'
import { focusScriptEditor, usePastRun } from './hooks/usePastRun'

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
  const past = usePastRun(draft, run.detail, report, notices.info)
  // A run opened from the history (or a comparison, or an import) shows its code read-only.
  const { view: viewPast } = past
  const { open: openShown } = run
  const openRun = useCallback(
    (id: string) => {
      compare.close()
      viewPast(id)
      return openShown(id)
    },
    [compare, viewPast, openShown],
  )
  const bundles = useBundles(notices, { refresh: history.refresh, open: openRun })
  const nav = useExercisesView()
  const exercises = useExercises(notices)
  const scriptsShown = nav.view === 'scripts'
  // A zip given to the Scripts view (Import…, or a drop) that is an exercise pack opens as one: a
  // student drops what the teacher sent wherever the app happens to be.
  const { setView, setTeaching } = nav
  const importZip = useCallback(
    (file: File) => {
      void isExercisePack(file).then((pack) => {
        if (!pack) return bundles.importFile(file)
        setView('exercises')
        setTeaching(false)
        exercises.importFile(file)
      })
    },
    [bundles, exercises, setView, setTeaching],
  )
  const [connectionOpen, setConnectionOpen] = useState(false)
  // The shown run, once it has ended (a live one is not exported).
  const ended = run.live !== null && isTerminal(run.live.status)
  const shown = run.detail && run.detail.id === run.live?.id && ended ? run.detail.id : null
  // The shown run's error line is marked in the editor only while the editor holds its code.
  const [lineRequest, setLineRequest] = useState<{ line: number; seq: number } | null>(null)
  const editorCode = past.viewed ? past.viewed.code : draft.draft.code
  const codeMatches = run.detail !== null && run.detail.code === editorCode
  const errorLine = codeMatches ? (run.detail?.error?.line ?? null) : null
  const showLine = useCallback(
    (line: number) => setLineRequest((r) => ({ line, seq: (r?.seq ?? 0) + 1 })),
    [],
  )

  const canRun =
    draft.input.error === null && draft.filesError === null && envs.docker?.available !== false
  const { start, running, stop } = run
  const { close: closePast } = past
  const startDraft = useCallback(async () => {
    // While a run is live, `start` says so (a notice) instead of starting another.
    if (draft.input.error !== null || draft.filesError !== null) return
    notices.dismiss()
    const { code, environment } = draft.draft
    // A past run loaded into the editor, run on its own input and files: recorded as a fork of it.
    const forkOf = draft.forkBase()
    const started = forkOf
      ? await run.fork({ id: forkOf, code, environment, limits: draft.limits() })
      : await start({
          code,
          // Checked valid JSON above: a value, never undefined.
          input: draft.input.value as Args<'runs:start'>['input'],
          ...(draft.draft.inputFiles.length > 0
            ? { inputFiles: inputFileArgs(draft.draft.inputFiles) }
            : {}),
          environment,
          limits: draft.limits(),
          ...(draft.draft.runtime ? { runtime: draft.draft.runtime } : {}),
          ...draft.stdin(),
        })
    if (!started) return
    draft.markSaved()
    closePast()
  }, [draft, start, run, notices, closePast])

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
      if (e.defaultPrevented || !scriptsShown) return
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
  }, [startDraft, stop, running, scriptsShown])

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
        otherRunShown={past.viewingId !== null || run.watching !== null}
        nav={<ViewNav view={nav.view} onView={nav.setView} />}
        scriptControls={scriptsShown}
        onExampleExercise={() => {
          nav.setView('exercises')
          nav.setTeaching(false)
          exercises.importExample()
        }}
        onConnection={() => setConnectionOpen(true)}
        bundleActions={
          <BundleButtons exportId={shown} onExport={bundles.exportRun} onImport={importZip} />
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
      <ExercisesView
        hidden={scriptsShown}
        exercises={exercises}
        notices={notices}
        script={{ code: draft.draft.code, environment: draft.draft.environment }}
        defaults={
          envs.environments.find((e) => e.name === draft.draft.environment)?.defaults ?? {
            timeoutS: 30,
            memoryMb: 512,
          }
        }
        teaching={nav.teaching}
        onTeaching={nav.setTeaching}
      />
      <main className="workspace" hidden={!scriptsShown}>
        {compare.pair ? (
          <CompareView
            a={compare.pair.a}
            b={compare.pair.b}
            onClose={compare.close}
            onOpen={(id) => void openRun(id)}
          />
        ) : (
          <>
            {past.viewingId ? (
              <PastRunEditors
                run={past.viewed}
                onLoad={past.load}
                onClose={() => {
                  past.close()
                  focusScriptEditor()
                }}
                onRun={() => void startDraft()}
                errorLine={errorLine}
                reveal={lineRequest}
              />
            ) : (
              <Editors
                draft={draft}
                onRun={() => void startDraft()}
                errorLine={errorLine}
                reveal={lineRequest}
              />
            )}
            <RunPanel
              live={run.live}
              detail={run.detail}
              watching={run.watching}
              onCancelWatched={() => void run.cancelWatched()}
              tab={run.tab}
              onTab={run.setTab}
              onRerun={(id, l) => void run.rerun(id, l)}
              onBuild={(n) => void envs.build(n)}
              canBuild={(n) => envs.environments.some((e) => e.name === n)}
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
          onOpen={(id) => void openRun(id)}
          onCompare={openCompare}
          onRerun={(id) => void run.rerun(id)}
          onFork={past.load}
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
      {scriptsShown ? (
        <BundleDrop onDrop={importZip} />
      ) : (
        <BundleDrop
          onDrop={exercises.importFile}
          what={{
            title: 'Drop an exercise pack to open it',
            detail: 'A .zip from your teacher: it is checked before anything is added.',
          }}
        />
      )}
      {past.asking && (
        <ReplaceDraftDialog runId={past.asking.id} onKeep={past.cancel} onReplace={past.confirm} />
      )}
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
