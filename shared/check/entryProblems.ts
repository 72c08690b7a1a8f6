import type { EntryFlag } from './batScan';
import type { CheckContext } from './context';

/** One BAT entry with a problem, as the BAT scan found it. */
export interface EntryProblem {
  index: number;
  value: number;
  host: number;
  flags: number;
  /** The earlier entry it overlaps, for duplicates. */
  peer: number;
}

/** The entries the BAT scan flagged with `flag`, in index order. */
export function* entriesWith(ctx: CheckContext, flag: EntryFlag): Generator<EntryProblem> {
  const scan = ctx.scan;
  const g = ctx.geometry;
  if (!scan || !g) return;
  for (let k = 0; k < scan.problemCount; k++) {
    if ((scan.problemFlags[k] & flag) === 0) continue;
    const index = scan.problemIndex[k];
    const value = scan.problemValue[k];
    yield { index, value, host: value * g.unit, flags: scan.problemFlags[k], peer: scan.problemPeer[k] };
  }
}
