import { defineConfig } from 'vitest/config'

// Two projects: fast pure-logic unit tests, and integration tests that talk to the real
// Docker daemon with the production hardening on. Integration tests run one file at a time:
// the machine has two cores and every file starts real containers.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
          globalSetup: ['test/integration/global-setup.ts'],
        },
      },
      {
        test: {
          // Stops and restarts dockerd: run alone, after everything else.
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 300_000,
          globalSetup: ['test/integration/global-setup.ts'],
        },
      },
      {
        test: {
          // SECURITY-CASES.md, one file per group, against the real daemon with production flags.
          name: 'security',
          include: ['test/security/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
          globalSetup: ['test/integration/global-setup.ts'],
        },
      },
      {
        test: {
          // A "remote" daemon on this machine (TAKO_REMOTE=tls: a second dockerd with TLS;
          // podman: Podman's API) and the run contract against it (see docs/remote-hosts.md).
          name: 'remote',
          include: ['test/remote/**/*.test.ts', 'test/integration/run-contract.test.ts'],
          // tls.test.ts in the TLS pass only, ssh.test.ts in the ssh pass only; archive-runs.test.ts
          // where files travel by the archive API (TLS, Podman archive), not over ssh (its pass is
          // already the slowest, and the TLS pass covers the same archive runs).
          exclude: [
            ...(process.env.TAKO_REMOTE === 'podman' || process.env.TAKO_REMOTE === 'ssh'
              ? ['test/remote/tls.test.ts']
              : []),
            ...(process.env.TAKO_REMOTE === 'ssh' ? [] : ['test/remote/ssh.test.ts']),
            ...(process.env.TAKO_REMOTE === 'ssh' ||
            (process.env.TAKO_REMOTE === 'podman' && process.env.TAKO_TRANSFER !== 'archive')
              ? ['test/remote/archive-runs.test.ts']
              : []),
          ],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
          globalSetup: ['test/remote/global-setup.ts'],
          setupFiles: ['test/remote/env-setup.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
          globalSetup: ['test/integration/global-setup.ts'],
        },
      },
    ],
  },
})
