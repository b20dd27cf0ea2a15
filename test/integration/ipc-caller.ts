// The app's IPC binding driven as Electron would drive it (bindIpc → invoke → handlers), without
// Electron: a fake ipcMain that keeps the one call channel's listener.
import type { Core } from '../../src/main/app/core'
import { createHandlers } from '../../src/main/app/handlers'
import { bindIpc, CALL_CHANNEL } from '../../src/main/electron/ipc-binding'
import { FakeIpc } from '../unit/fake-ipc'

/** Calls `method` over the IPC binding; resolves to the envelope it answers. */
export function ipcCaller<E>(
  core: Core,
  options?: Parameters<typeof createHandlers>[1],
): (method: string, args: unknown) => Promise<E> {
  const fake = new FakeIpc()
  bindIpc(fake, createHandlers(core, options), () => true)
  const listener = fake.handlers.get(CALL_CHANNEL)!
  return async (method, args) => (await listener({ sender: 1 }, method, args)) as E
}
