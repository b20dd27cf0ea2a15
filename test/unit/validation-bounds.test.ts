// The FastAPI error type a broken bound gets depends on what was measured (text, list or number).
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  executeRequestSchema,
  parseBody,
  RequestValidationError,
} from '../../src/main/server/validation'

function typesOf(schema: z.ZodType, body: unknown): string[] {
  try {
    parseBody(schema, body)
  } catch (err) {
    if (err instanceof RequestValidationError) return err.detail.map((d) => d.type)
    throw err
  }
  throw new Error('the body was accepted')
}

describe('parseBody names a broken bound as FastAPI does', () => {
  const code = 'print(1)'
  it('for a string', () => {
    expect(typesOf(executeRequestSchema, { code, idempotency_key: 'short' })).toEqual([
      'string_too_short',
    ])
    expect(typesOf(executeRequestSchema, { code, idempotency_key: 'k'.repeat(256) })).toEqual([
      'string_too_long',
    ])
  })
  it('for a list', () => {
    expect(typesOf(z.strictObject({ a: z.array(z.string()).min(1) }), { a: [] })).toEqual([
      'too_short',
    ])
    expect(
      typesOf(executeRequestSchema, { code, requirements: Array<string>(51).fill('x') }),
    ).toEqual(['too_long'])
  })
  it('for a number', () => {
    expect(typesOf(executeRequestSchema, { code, cpus: -1 })).toEqual(['greater_than_equal'])
    expect(typesOf(executeRequestSchema, { code, cpus: 1e6 })).toEqual(['less_than_equal'])
  })
})
