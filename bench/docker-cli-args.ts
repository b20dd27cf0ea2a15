import type Docker from 'dockerode'

/** The `docker run --rm` argv equivalent to one of our container specs: identical flags, for baselines. */
export function dockerRunArgs(spec: Docker.ContainerCreateOptions): string[] {
  const hc = spec.HostConfig ?? {}
  const args = ['run', '--rm']
  if (spec.User) args.push('--user', spec.User)
  if (spec.WorkingDir) args.push('--workdir', spec.WorkingDir)
  if (spec.Hostname) args.push('--hostname', spec.Hostname)
  for (const e of spec.Env ?? []) args.push('--env', e)
  for (const [k, v] of Object.entries(spec.Labels ?? {})) args.push('--label', `${k}=${v}`)
  for (const b of hc.Binds ?? []) args.push('--volume', b)
  for (const [path, opts] of Object.entries(hc.Tmpfs ?? {})) args.push('--tmpfs', `${path}:${opts}`)
  if (hc.ReadonlyRootfs) args.push('--read-only')
  if (hc.NetworkMode) args.push('--network', hc.NetworkMode)
  for (const c of (hc.CapDrop as string[] | undefined) ?? []) args.push('--cap-drop', c)
  for (const s of (hc.SecurityOpt as string[] | undefined) ?? []) args.push('--security-opt', s)
  if (hc.Memory) args.push('--memory', `${hc.Memory}b`)
  if (hc.MemorySwap) args.push('--memory-swap', `${hc.MemorySwap}b`)
  if (hc.NanoCpus) args.push('--cpus', String(hc.NanoCpus / 1e9))
  if (hc.PidsLimit) args.push('--pids-limit', String(hc.PidsLimit))
  for (const u of hc.Ulimits ?? []) args.push('--ulimit', `${u.Name}=${u.Soft}:${u.Hard}`)
  if (hc.Init) args.push('--init')
  if (hc.IpcMode) args.push('--ipc', hc.IpcMode)
  if (hc.LogConfig?.Type) args.push('--log-driver', hc.LogConfig.Type)
  if (spec.Entrypoint && Array.isArray(spec.Entrypoint) && spec.Entrypoint.length === 0)
    args.push('--entrypoint', '')
  args.push(spec.Image!)
  args.push(...(spec.Cmd ?? []))
  return args
}
