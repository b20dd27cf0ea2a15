import type { TakoClient } from '../../../shared/api'
import { createHttpClient } from './http-client'

declare global {
  interface Window {
    /** Present in the Electron window (the preload's IPC transport of the same contract). */
    tako?: TakoClient
  }
}

/** The same renderer build talks IPC inside Electron and HTTP when served by `npm run serve`. */
export const client: TakoClient = window.tako ?? createHttpClient('')
