// The Docker connection setting's methods (see docs/remote-hosts.md): what is in use, saving the
// setting (the app only: over HTTP the server's environment decides), and "Test connection".
import type { Args, TakoApi } from '../../shared/api'
import {
  dockerConnectionSchema,
  type DockerConnection,
  type DockerConnectionInfo,
} from '../../shared/docker-connection'
import { ConnectionConfigError, listContexts, resolveConnection } from '../engine/docker-connection'
import { testConnection } from '../engine/docker-probe'
import type { Core } from './core'
import { FailedPrecondition, InvalidArgument } from './errors'

/** Where the app keeps the setting (Electron: electron-store); absent over HTTP. */
export interface ConnectionSettings {
  get(): DockerConnection
  set(connection: DockerConnection): void
  /** Why the saved setting could not be used at start-up (the app then runs with `local`). */
  problem?: string | null
}

const SERVER_DECIDES =
  'Over HTTP the Docker connection is the server’s own: set DOCKER_HOST (with DOCKER_TLS_VERIFY and ' +
  'DOCKER_CERT_PATH) or DOCKER_CONTEXT where `npm run serve` runs, then restart it.'

type ConnectionMethods = 'docker:connection' | 'docker:setConnection' | 'docker:test'

export function connectionHandlers(
  core: Core,
  settings?: ConnectionSettings,
): { [M in ConnectionMethods]: (args: Args<M>) => Promise<TakoApi[M]> } {
  const info = (): DockerConnectionInfo => {
    const saved = settings?.get() ?? { kind: 'local' }
    return {
      setting: saved,
      endpoint: core.client.endpoint,
      editable: settings !== undefined,
      restartRequired:
        settings !== undefined && JSON.stringify(saved) !== JSON.stringify(core.connection),
      problem: settings?.problem ?? null,
      contexts: settings ? listContexts() : [],
    }
  }
  return {
    async 'docker:connection'() {
      return info()
    },
    async 'docker:setConnection'(args) {
      if (!settings) throw new FailedPrecondition(SERVER_DECIDES)
      try {
        resolveConnection(args.connection)
      } catch (err) {
        if (err instanceof ConnectionConfigError) {
          throw InvalidArgument.field('connection', err.message, args.connection)
        }
        throw err
      }
      settings.set(args.connection)
      return info()
    },
    async 'docker:test'(args) {
      // Over HTTP only the server's own connection: a page must not make it dial hosts or read files.
      if (args.connection && !settings) throw new FailedPrecondition(SERVER_DECIDES)
      return testConnection(args.connection ?? core.connection)
    },
  }
}

/**
 * The saved setting as the app starts with it: a setting that is not valid or cannot be resolved (a
 * context deleted since, a certificate folder gone) gives `local` and says why, so the app still
 * starts and the person can fix it in the Docker connection dialog.
 */
export function startupConnection(saved: unknown): {
  connection: DockerConnection
  problem: string | null
} {
  const parsed = dockerConnectionSchema.safeParse(saved ?? { kind: 'local' })
  if (!parsed.success) {
    return {
      connection: { kind: 'local' },
      problem:
        'The saved Docker connection is not valid; the default is used until it is saved again.',
    }
  }
  try {
    resolveConnection(parsed.data)
    return { connection: parsed.data, problem: null }
  } catch (err) {
    if (!(err instanceof ConnectionConfigError)) throw err
    return {
      connection: { kind: 'local' },
      problem: `The saved Docker connection cannot be used (${err.message}); the default is used until it is changed.`,
    }
  }
}
