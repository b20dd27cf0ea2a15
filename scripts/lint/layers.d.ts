import type { ESLint } from 'eslint'

export interface Layer {
  name: string
  rank: number
  dir?: string
  file?: string
  only?: string[]
}
export const LAYERS: Layer[]
export function layerViolation(from: Layer | null, to: Layer | null): string | null
export const layersPlugin: ESLint.Plugin
