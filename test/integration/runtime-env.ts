import { runtimeFromEnv } from '../../src/main/engine/runtimes'

/**
 * The suite runs under gVisor (`TAKO_RUNTIME=gvisor`, `npm run test:integration:gvisor`). Where
 * gVisor differs by design, a test checks gVisor's behaviour of the same property instead; each
 * difference is listed in docs/security.md, 'gVisor'.
 */
export const UNDER_GVISOR = runtimeFromEnv() === 'gvisor'
