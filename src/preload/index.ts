// The preload: window.tako implements the contract (TakoClient) over IPC. Nothing else is exposed —
// never ipcRenderer itself. Built as CommonJS so the window keeps `sandbox: true`.
import { contextBridge, ipcRenderer } from 'electron'
import type { AppEvent, Args, Envelope, Method, TakoApi, TakoClient } from '../shared/api'
import { TakoCallError } from '../shared/call-error'
import { artifactSchemeUrl, CALL_CHANNEL, EVENT_CHANNEL, inputFileSchemeUrl } from '../shared/ipc'

const api: TakoClient = {
  async call<M extends Method>(method: M, args: Args<M>): Promise<TakoApi[M]> {
    const envelope = (await ipcRenderer.invoke(CALL_CHANNEL, method, args)) as Envelope<TakoApi[M]>
    if (!envelope.ok) throw new TakoCallError(envelope.error.code, envelope.error.message)
    return envelope.value
  },
  subscribe(listener: (event: AppEvent) => void) {
    const handler = (_e: unknown, event: AppEvent): void => listener(event)
    ipcRenderer.on(EVENT_CHANNEL, handler)
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, handler)
    }
  },
  artifactUrl: artifactSchemeUrl,
  inputFileUrl: inputFileSchemeUrl,
  // The protocol's own answer carries the run's policy: no key needed in the desktop app.
  previewUrl: (runId, path) => Promise.resolve(artifactSchemeUrl(runId, path, true)),
}

contextBridge.exposeInMainWorld('tako', api)
