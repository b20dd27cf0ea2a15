// The app's IPC binding driven as Electron would drive it (bindIpc → invoke → handlers), without
// Electron: a fake ipcMain that keeps the one call channel's listener.
import type { Core } from '../../src/main/app/core'
import { createHandlers } from '../../src/main/app/handlers'
import { bindIpc, CALL_CHANNEL, type IpcMainLike } from '../../src/main/electron/ipc-binding'

/** Calls `method` over the IPC binding; resolves to the envelope it answers. */
export function ipcCaller<E>(core: Core): (method: string, args: unknown) => Promise<E> {
  const channels = new Map<string, (event: { sender: unknown }, ...a: unknown[]) => unknown>()
  const fake: IpcMainLike = {
    handle: (channel, listener) => channels.set(channel, listener),
    removeHandler: (channel) => channels.delete(channel),
  }
  bindIpc(fake, createHandlers(core), () => true)
  const listener = channels.get(CALL_CHANNEL)!
  return async (method, args) => (await listener({ sender: 1 }, method, args)) as E
}
