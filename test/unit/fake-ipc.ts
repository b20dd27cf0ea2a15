// Electron's ipcMain as the IPC binding sees it: the handlers it registers, by channel, for a test
// to call as a renderer would.
import type { IpcListener, IpcMainLike } from '../../src/main/electron/ipc-binding'

export class FakeIpc implements IpcMainLike {
  readonly handlers = new Map<string, IpcListener>()
  handle(channel: string, listener: IpcListener): void {
    this.handlers.set(channel, listener)
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel)
  }
}
