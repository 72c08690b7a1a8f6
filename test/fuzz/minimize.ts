/**
 * Shrinks a failing input while it keeps failing with the same signature: cut the tail, then zero ever smaller
 * chunks. Zeroed bytes compress to almost nothing, so the kept regression input is small.
 */
import { checkInvariants } from './invariants';
import { Prng } from './prng';

/** The invariants' own choices (which findings get a quick fix) come from this seed during minimization. */
export const REPLAY_RNG_SEED = 0x5eed;

export function failsWith(bytes: Uint8Array, signature: string): boolean {
  return checkInvariants(bytes, new Prng(REPLAY_RNG_SEED)).failures.some((f) => f.signature === signature);
}

export function minimize(input: Uint8Array, signature: string, budgetMs = 60000): Uint8Array {
  const deadline = Date.now() + budgetMs;
  let best = input;
  if (!failsWith(best, signature)) return best;
  // Tail cuts: try the shortest prefixes first.
  for (let len = 64; len < best.length && Date.now() < deadline; len = len * 2) {
    if (failsWith(best.subarray(0, len), signature)) {
      best = best.slice(0, len);
      break;
    }
  }
  for (let chunk = 1 << 16; chunk >= 8 && Date.now() < deadline; chunk >>= 1) {
    for (let at = 0; at < best.length && Date.now() < deadline; at += chunk) {
      const end = Math.min(best.length, at + chunk);
      if (best.subarray(at, end).every((b) => b === 0)) continue;
      const candidate = best.slice();
      candidate.fill(0, at, end);
      if (failsWith(candidate, signature)) best = candidate;
    }
  }
  return best;
}
