import { expect } from 'vitest'
import { LABEL_APP, LABEL_SESSION } from '../../src/main/engine/container-spec'
import { DockerContainerClient } from '../../src/main/engine/docker-client'
import { expectNoneLeft, request, type JsonResponse } from './helpers'

/** The `POST /execute` response body (see docs/api.md), as the tests read it. */
export interface ExecuteBody {
  success: boolean
  status: string
  output: unknown
  stdout: string
  stderr: string
  exit_code: number | null
  error: string | null
  error_type: string | null
  execution_time: number
  execution_id: string
  job_type: string
  artifacts: { name: string; size_bytes: number; sha256: string; content_type: string }[]
  stdout_truncated: boolean
  stderr_truncated: boolean
  warnings: { code: string; message: string; path?: string }[]
  timing: Record<string, unknown> | null
  resource_usage: Record<string, unknown>
}

export interface ValidationBody {
  detail: { type: string; loc: (string | number)[]; msg: string; input?: unknown }[]
}

/** `POST /execute` with a JSON body; asserts the HTTP status is 200 and returns the body. */
export async function execute(url: string, body: Record<string, unknown>): Promise<ExecuteBody> {
  const res = await request<ExecuteBody>(`${url}/execute`, { method: 'POST', json: body })
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body
}

/** `POST /execute` without asserting the HTTP status (for validation tests). */
export async function postExecute<T = ValidationBody>(
  url: string,
  init: RequestInit & { json?: unknown },
): Promise<JsonResponse<T>> {
  return request<T>(`${url}/execute`, { method: 'POST', ...init })
}

/** Runs `code` and expects it to succeed; the run's details are in the assertion message. */
export async function executeOk(
  url: string,
  code: string,
  extra: Record<string, unknown> = {},
): Promise<ExecuteBody> {
  const body = await execute(url, { code, ...extra })
  expect(body.status, `stderr: ${body.stderr}\nerror: ${body.error}`).toBe('succeeded')
  expect(body.success).toBe(true)
  expect(body.error).toBeNull()
  expect(body.error_type).toBeNull()
  return body
}

/** Joins Python source lines (keeps test sources readable without template indentation). */
export function py(...lines: string[]): string {
  return lines.join('\n') + '\n'
}

/**
 * Ids of our containers (any state) that belong to one app session. Like `ourContainers()`, but
 * blind to other processes using the same daemon at the same time (another test run, `npm run
 * serve`): after a file's server closed, its session must have left nothing behind.
 */
export async function sessionContainers(sessionId: string): Promise<string[]> {
  const list = await new DockerContainerClient().listByLabel(LABEL_APP)
  return list.filter((c) => c.labels[LABEL_SESSION] === sessionId).map((c) => c.id)
}

/** None of a session's containers left, removals still being retried given time (`expectNoneLeft`). */
export async function expectNoSessionContainersLeft(sessionId: string): Promise<void> {
  await expectNoneLeft(() => sessionContainers(sessionId))
}

/**
 * A run that never ends on its own (a loop, a sleep, a drip) was ended by the host's timer: the
 * watchdog recorded the timeout, and Docker reported the exit of the SIGKILL the engine sent (137),
 * so the run ended by that kill, not by the engine giving up on a daemon that never reported the
 * exit (that path reports -1). `ms`, the request's wall time, shows it did not end before the limit.
 * How soon after the limit the reply came depends on the machine's load: that is for bench/.
 */
export function expectKilledAtTimeout(r: ExecuteBody, seconds: number, ms: number): void {
  expect(r.status).toBe('timeout')
  expect(r.success).toBe(false)
  expect(r.error_type).toBe('timeout')
  expect(r.error).toMatch(new RegExp(`timed out after ${seconds} s`))
  expect(r.exit_code, 'the exit Docker reported for the kill').toBe(137)
  expect(ms).toBeGreaterThanOrEqual(seconds * 1000)
}
