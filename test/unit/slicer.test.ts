import { describe, expect, it } from 'vitest'
import { Slicer, sortSliced } from '../../src/main/engine/slicer'

describe('sortSliced', () => {
  it('orders like Array.prototype.sort, stable, across many runs and an odd tail', async () => {
    let seed = 7
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31)
    const items = Array.from({ length: 10_007 }, (_, i) => ({ i, k: String(rand() % 5000) }))
    // a slice of 0 ms pauses at every check, so the merge is exercised across pauses
    const sorted = await sortSliced(items, (x) => x.k, new Slicer(0))
    const expected = [...items].sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.i - b.i))
    expect(sorted).toEqual(expected)
  })

  it('sorts latin1 keys in byte order', async () => {
    const names = [
      Buffer.from([0xff]),
      Buffer.from('b'),
      Buffer.from('B'),
      Buffer.from([0xc3, 0xa9]),
    ]
    const sorted = await sortSliced(names, (b) => b.toString('latin1'), new Slicer())
    expect(sorted).toEqual([...names].sort((a, b) => Buffer.compare(a, b)))
  })

  it('handles empty and single-item lists', async () => {
    expect(await sortSliced([], String, new Slicer())).toEqual([])
    expect(await sortSliced(['a'], String, new Slicer())).toEqual(['a'])
  })
})
