/**
 * A deterministic pseudo-random sequence in [0, 1) for the tests that draw their inputs: a failure names the seed
 * that reproduces it.
 */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return s / 2 ** 32;
  };
}
