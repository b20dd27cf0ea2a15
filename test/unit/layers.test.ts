// The structure's own checks: the layer rule of eslint.config.js on snippets, and the one CSP source
// against the renderer's page.
import fs from 'node:fs'
import path from 'node:path'
import { Linter } from 'eslint'
import tseslint from 'typescript-eslint'
import { describe, expect, it } from 'vitest'
import { layersPlugin } from '../../scripts/lint/layers.js'
import { ARTIFACT_CSP, ELECTRON_CSP, META_CSP, WEB_CSP } from '../../src/shared/csp'

const ROOT = path.resolve(import.meta.dirname, '..', '..')

/** The layer rule's messages for `code` as if it were the file `rel` under the repository. */
function lintAs(rel: string, code: string): string[] {
  const linter = new Linter({ configType: 'flat' })
  const messages = linter.verify(
    code,
    [
      {
        files: ['**/*.ts', '**/*.tsx'],
        languageOptions: { parser: tseslint.parser },
        plugins: { layers: layersPlugin },
        rules: { 'layers/one-way': 'error' },
      },
    ],
    { filename: path.join(ROOT, rel) },
  )
  return messages.map((m) => m.message)
}

describe('one-way layers (lint)', () => {
  it.each([
    ['src/main/engine/x.ts', "import type { Core } from '../app/core'", 'higher layer app'],
    ['src/main/app/x.ts', "import { HttpError } from '../server/http-util'", 'higher layer server'],
    ['src/main/jobs/x.ts', "export { createHandlers } from '../app/handlers'", 'higher layer app'],
    ['src/main/store/x.ts', "import { imageRef } from '../environments/catalogue'", 'sibling'],
    ['src/main/server/x.ts', "import { bindIpc } from '../electron/ipc-binding'", 'sibling'],
    ['src/main/app/x.ts', "const m = import('../index')", 'higher layer entry'],
    [
      'src/renderer/src/x.tsx',
      "import { summarize } from '../../main/app/handlers'",
      'only shared',
    ],
    ['src/preload/x.ts', "import { invoke } from '../main/app/invoke'", 'only shared'],
    ['src/shared/x.ts', "import { MiB } from '../main/engine/limits'", 'higher layer engine'],
    ['src/main/misc.ts', 'export const a = 1', 'belongs to no layer'],
    ['src/main/server/x.ts', "import { a } from '../misc'", 'belongs to a layer'],
  ])('%s: %s is refused', (file, code, why) => {
    const messages = lintAs(file, code)
    expect(messages).toHaveLength(1)
    expect(messages[0]).toContain(why)
  })

  it.each([
    ['src/main/app/x.ts', "import { JobService } from '../jobs/job-service'"],
    ['src/main/server/x.ts', "import { invoke } from '../app/invoke'"],
    ['src/main/index.ts', "import { startServer } from './server/server'"],
    ['src/main/environments/x.ts', "import { findUp } from '../paths'"],
    ['src/renderer/src/x.tsx', "import type { RunSummary } from '../../shared/api'"],
    ['src/renderer/src/x.tsx', "import { App } from './App'"],
    ['src/preload/x.ts', "import { CALL_CHANNEL } from '../shared/ipc'"],
    ['src/main/app/x.ts', "import { z } from 'zod'"],
  ])('%s: %s is allowed', (file, code) => {
    expect(lintAs(file, code)).toEqual([])
  })
})

describe('one CSP source', () => {
  it('the renderer page’s <meta> CSP is META_CSP', () => {
    const html = fs.readFileSync(path.join(ROOT, 'src/renderer/index.html'), 'utf8')
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]*)"/.exec(html)
    expect(meta?.[1]).toBe(META_CSP)
  })

  function directives(csp: string): Map<string, string[]> {
    return new Map(
      csp.split(';').map((d) => {
        const [name = '', ...sources] = d.trim().split(/\s+/)
        return [name, sources]
      }),
    )
  }

  it('each mode’s header is within the <meta>, and frames only what that mode shows', () => {
    const meta = directives(META_CSP)
    for (const header of [ELECTRON_CSP, WEB_CSP]) {
      for (const [name, sources] of directives(header)) {
        if (name === 'frame-ancestors') continue
        for (const s of sources) expect(meta.get(name), `${name} ${s}`).toContain(s)
      }
    }
    expect(directives(ELECTRON_CSP).get('frame-src')).toEqual(['tako-artifact:'])
    expect(directives(WEB_CSP).get('frame-src')).toEqual(["'self'"])
    expect(directives(WEB_CSP).get('frame-ancestors')).toEqual(["'none'"])
    expect(directives(ARTIFACT_CSP).get('sandbox')).toEqual([])
    expect(directives(ARTIFACT_CSP).get('default-src')).toEqual(["'none'"])
  })
})
