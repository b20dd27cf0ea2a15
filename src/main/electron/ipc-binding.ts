import type { AppEvent, Envelope } from '../../shared/api'
import { METHODS } from '../../shared/api'
import { CALL_CHANNEL, EVENT_CHANNEL } from '../../shared/ipc'
import type { Handlers } from '../app/handlers'
import { invoke } from '../app/invoke'

export { CALL_CHANNEL, EVENT_CHANNEL }

/** What ipcMain calls for a channel: the event (its sender and frame), then the call's arguments. */
export type IpcListener = (
  event: { sender: unknown; senderFrame?: { url: string } | null },
  ...args: unknown[]
) => unknown

/** The parts of Electron's ipcMain the binding needs (so it is testable without Electron). */
export interface IpcMainLike {
  handle(channel: string, listener: IpcListener): void
  removeHandler(channel: string): void
}

/**
 * Binds the contract to IPC: one channel, the method name and its arguments, validated by the
 * contract's schemas in `invoke`. Calls from any sender but our own window are refused.
 */
export function bindIpc(
  ipc: IpcMainLike,
  handlers: Handlers,
  isTrustedSender: (sender: unknown, frameUrl: string | undefined) => boolean,
): () => void {
  ipc.handle(CALL_CHANNEL, async (event, method, args): Promise<Envelope<unknown>> => {
    if (!isTrustedSender(event.sender, event.senderFrame?.url)) {
      return {
        ok: false,
        error: { code: 'forbidden', message: 'IPC from an unknown sender was refused' },
      }
    }
    return invoke(handlers, typeof method === 'string' ? method : '', args)
  })
  return () => ipc.removeHandler(CALL_CHANNEL)
}

/** Every method of the contract has a handler (checked at compile time by `Handlers`, and here at run time). */
export function missingHandlers(handlers: Partial<Handlers>): string[] {
  return METHODS.filter((m) => typeof handlers[m] !== 'function')
}

export type EventSink = (event: AppEvent) => void
