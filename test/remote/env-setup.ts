// Points this test file's engine at the remote daemon the global set-up started.
import { inject } from 'vitest'

Object.assign(process.env, inject('remoteEnv'))
