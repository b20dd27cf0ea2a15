import { useCallback, useEffect, useMemo, useState } from 'react'
import type { BuildProgressEvent, DockerStatus, EnvironmentInfo } from '../../../shared/api'
import { client } from '../api/client'

export interface EnvironmentsState {
  /** null until the first answer. */
  docker: DockerStatus | null
  environments: EnvironmentInfo[]
  /** The last build progress per environment. */
  builds: Record<string, BuildProgressEvent>
  build: (name: string) => Promise<void>
  cancelBuild: (name: string) => Promise<void>
}

/** Docker's state, the environments and their builds, following the push channel. */
export function useEnvironments(report: (err: unknown) => void): EnvironmentsState {
  const [docker, setDocker] = useState<DockerStatus | null>(null)
  const [environments, setEnvironments] = useState<EnvironmentInfo[]>([])
  const [builds, setBuilds] = useState<Record<string, BuildProgressEvent>>({})

  const refresh = useCallback(() => {
    client.call('environments:list', {}).then(setEnvironments, report)
  }, [report])

  useEffect(() => {
    client.call('docker:status', {}).then(setDocker, report)
    refresh()
    return client.subscribe((e) => {
      if (e.type === 'docker.status') {
        setDocker(e.status)
        if (e.status.available) refresh()
      } else if (e.type === 'env.build') {
        setBuilds((b) => ({ ...b, [e.progress.environment]: e.progress }))
        if (e.progress.state !== 'building') refresh()
      }
    })
  }, [refresh, report])

  // Starting and cancelling a build: the same call shape, failures reported.
  const [build, cancelBuild] = useMemo(
    () =>
      (['environments:build', 'environments:cancelBuild'] as const).map(
        (method) => async (name: string) => {
          try {
            await client.call(method, { name })
          } catch (err) {
            report(err)
          }
        },
      ),
    [report],
  )

  return { docker, environments, builds, build, cancelBuild }
}
