/**
 * mulberry32: a small, fast 32-bit PRNG with a full 2^32 period. Deterministic per seed, so an
 * offline replay of `evaluate` (or a statistical test of a weighted split) draws the same sequence
 * on every run.
 */
export function seededRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}
