import { strict as assert } from 'node:assert';
import { PHASES } from '../../shared/check/ruleInfo';
import { BAT_PIECE_ENTRIES } from '../../shared/format/batStream';
import { decodeImage } from '../../shared/format/image';
import { PLAN_PROGRESS_TOTAL } from '../../shared/engine/planProgress';
import { type RepairMode, planRepair } from '../../shared/engine/repair';
import { FIXTURES, sharedFixtures } from '../fixtures';
import { withImage } from '../fixtures/files';
import { largeBrokenImage } from '../fixtures/largeBroken';

/** BAT read pieces (shared/format/bat.ts readBat). */
const READ_PIECE_ENTRIES = 1 << 21;

type Call = [done: number, total: number];

/** The plan of an image with and without a progress listener, and the listener's calls. */
function planBoth(path: string, mode: RepairMode): { calls: Call[]; withProgress: unknown; without: unknown } {
  return withImage(path, (src) => {
    const calls: Call[] = [];
    const withProgress = planRepair(src, mode, { onProgress: (done, total) => calls.push([done, total]) });
    return { calls, withProgress, without: planRepair(src, mode) };
  });
}

/** What every report of a plan's progress must be: from 0, rising strictly, in units of the total, ending at it. */
function assertWellFormed(calls: readonly Call[], what: string): void {
  assert.ok(calls.length >= 2, `${what}: ${JSON.stringify(calls)}`);
  assert.deepEqual(calls[0], [0, PLAN_PROGRESS_TOTAL], what);
  assert.deepEqual(calls[calls.length - 1], [PLAN_PROGRESS_TOTAL, PLAN_PROGRESS_TOTAL], what);
  for (let i = 1; i < calls.length; i++) {
    assert.equal(calls[i][1], PLAN_PROGRESS_TOTAL, what);
    assert.ok(Number.isInteger(calls[i][0]) && calls[i][0] > calls[i - 1][0] && calls[i][0] <= PLAN_PROGRESS_TOTAL, `${what}: ${JSON.stringify(calls)}`);
  }
}

/**
 * Calls a plan of a BAT of `entries` may make: the first, and per check (one per phase, and the last) one per read
 * piece and per scanned piece and two more (the check's end, the pass's end), and the last.
 */
function callBound(entries: number): number {
  const perCheck = Math.ceil(entries / READ_PIECE_ENTRIES) + Math.ceil(entries / BAT_PIECE_ENTRIES) + 2;
  return 2 + (PHASES.length + 1) * perCheck;
}

describe('planRepair onProgress', function () {
  it('on a 4M-entry BAT with a duplicate and a leaked tail: rising per-mille reports by pieces, the same plan', async () => {
    const entries = 4 << 20;
    const path = await largeBrokenImage(entries);
    for (const mode of ['all', 'leaks'] as const) {
      const { calls, withProgress, without } = planBoth(path, mode);
      assertWellFormed(calls, mode);
      assert.deepEqual(withProgress, without, mode);
      // 16 scanned pieces a check, two checks or more: reports inside the passes, not just one per pass.
      assert.ok(calls.length >= 2 * (entries / BAT_PIECE_ENTRIES), `${mode}: ${calls.length} calls`);
      assert.ok(calls.length <= callBound(entries), `${mode}: ${calls.length} calls, bound ${callBound(entries)}`);
    }
    const { withProgress } = planBoth(path, 'all');
    assert.deepEqual((withProgress as ReturnType<typeof planRepair>).remaining, [], 'the plan repairs everything');
  });

  it('on every fixture (refusals, header repairs, extensions): well formed, bounded, and the plan without it', async () => {
    const paths = await sharedFixtures();
    for (const spec of FIXTURES) {
      const path = paths.get(spec.name);
      if (!path) throw new Error(`fixture ${spec.name} not built`);
      const { calls, withProgress, without } = planBoth(path, 'all');
      assertWellFormed(calls, spec.name);
      const entries = withImage(path, (src) => decodeImage(src).bat?.length ?? 0);
      assert.ok(calls.length <= callBound(entries), `${spec.name}: ${calls.length} calls`);
      assert.deepEqual(withProgress, without, spec.name);
    }
  });
});
