import { strict as assert } from 'node:assert';
import type { Finding } from '../../shared/check/finding';
import { checkImage } from '../../shared/engine/check';
import { countFindings } from '../../shared/check/counts';
import { type RepairMode, type RepairOutcome, planRepair, repairable } from '../../shared/engine/repair';
import { qemu10, qemu72 } from '../oracles';
import { FIXTURES, type FixtureSpec, sharedFixtures } from '../fixtures';
import { readFile } from 'node:fs/promises';
import { repairDifferences } from '../fixtures/expect';
import { allDirty, cleanedBits, dirtyBitmaps, l1EntryAt } from '../fixtures/bitmaps';
import { applyEdits, scratchCopy, sha256, withImage } from '../fixtures/files';
import { differingClusters, engineGuest, qemuGuest } from '../fixtures/guest';
import { qemuCheck } from '../fixtures/qemu';

const plan = (path: string, mode: RepairMode): RepairOutcome => withImage(path, (src) => planRepair(src, mode));
const findings = (path: string) => withImage(path, (src) => checkImage(src).findings);
const clusterSize = (path: string): number => withImage(path, (src) => checkImage(src).image.geometry?.clusterSize ?? 0);

/** The guest disk before a repair: as QEMU 10 reads it where it can, else as the engine maps it. */
async function guestBefore(spec: FixtureSpec, path: string): Promise<Buffer> {
  return spec.qemuReads.includes('qemu10') && !spec.notComparable ? qemuGuest(qemu10(), path) : engineGuest(path);
}

/**
 * Guest clusters a repair may change, and why. Everything else (relocated clusters included: a relocation copies
 * the bytes) must read the same after the repair.
 */
function mayChange(spec: FixtureSpec): string | undefined {
  if (spec.expect.some((e) => e.code === 'disk-size-exceeds-bat')) return 'the disk shrinks to what the BAT covers';
  return undefined;
}

/** Our own check after the repair: nothing a repair can fix is left, and a second repair has nothing to do. */
function assertNothingLeft(copy: string): void {
  const after = findings(copy);
  const counts = countFindings(after);
  const listed = after.map((f) => `${f.code}: ${f.message}`).join('\n');
  assert.deepEqual({ corruptions: counts.corruptions, leaks: counts.leaks }, { corruptions: 0, leaks: 0 }, listed);
  assert.deepEqual(
    after.filter((f) => repairable(f, 'all')).map((f) => f.code),
    [],
    listed,
  );
  const again = plan(copy, 'all');
  assert.deepEqual(again.plan.steps, [], 'second -r all');
  assert.deepEqual(again.plan.patches, []);
}

/** QEMU 10 finds the repaired image clean, except where its own verdict is wrong (then it says what we expect). */
async function assertQemuAgrees(spec: FixtureSpec, copy: string): Promise<void> {
  const q = await qemuCheck(qemu10(), await scratchCopy(copy));
  const wrong = spec.qemuWrongAfterRepair;
  assert.equal(q.code, wrong?.exit ?? 0, `qemu-img 10 check${wrong ? ` (expected wrong: ${wrong.why})` : ''}:\n${q.stdout}${q.stderr}`);
}

/**
 * Bitmaps that stay never lose a dirty bit (a wrong "clean" makes a backup miss data), and an L1 entry that could
 * not be trusted ends all dirty (unless its bitmap was dropped).
 */
function assertBitmapsSafe(original: string, copy: string, before: readonly Finding[]): void {
  const bitmapsBefore = dirtyBitmaps(original);
  const bitmapsAfter = dirtyBitmaps(copy);
  for (const [id, bits] of bitmapsAfter) {
    const old = bitmapsBefore.get(id);
    if (old) assert.equal(cleanedBits(old, bits), 0, `bitmap ${id} lost dirty bits`);
  }
  for (const f of before.filter((x) => x.code === 'bitmap-l1-entry-invalid')) {
    const at = l1EntryAt(original, f.offset);
    const bits = at && bitmapsAfter.get(at.id);
    if (at && bits) assert.ok(allDirty(bits, at.index, clusterSize(copy)), `bitmap ${at.id} L1 entry ${at.index} is not all dirty`);
  }
}

/**
 * The guest sees the same data, cluster for cluster (relocated clusters included: a relocation copies the bytes),
 * as qemu-img 10 reads the repaired image, and 7.2 too where the fixture states the smallest repair.
 */
async function assertGuestUnchanged(spec: FixtureSpec, original: string, copy: string): Promise<void> {
  const before = await guestBefore(spec, original);
  const readers = spec.repaired ? [qemu10(), qemu72()] : [qemu10()];
  for (const q of readers) {
    const after = await qemuGuest(q, copy);
    assert.deepEqual(differingClusters(before, after, clusterSize(copy)), [], `guest clusters changed by the repair (qemu-img ${q.version})`);
    if (before.length !== after.length) {
      assert.ok(mayChange(spec), `the disk size changed from ${before.length} to ${after.length}`);
      assert.ok(
        before.subarray(after.length).every((b) => b === 0),
        'the part of the disk a repair cut off held data',
      );
    }
  }
}

/** The repair is the smallest one the fixture states: which bytes change, and the size after. */
async function assertSmallest(spec: FixtureSpec, original: string, copy: string): Promise<void> {
  if (!spec.repaired) return;
  assert.deepEqual(repairDifferences(await readFile(original), await readFile(copy), spec.repaired), [], spec.about);
}

describe('repair (-r all) of each fixture', function () {
  let paths: Map<string, string>;
  before(async () => {
    paths = await sharedFixtures();
  });

  for (const spec of FIXTURES) {
    const what = spec.repairRefused ? 'refused, nothing written' : 'leaves nothing to repair, data kept';
    it(`${spec.name}: ${what}`, async function () {
      const original = paths.get(spec.name)!;
      const before = findings(original);
      const outcome = plan(original, 'all');
      assert.equal(outcome.refused !== undefined, spec.repairRefused !== undefined, `refused: ${outcome.refused}`);
      if (!before.some((f) => repairable(f, 'all')) || outcome.refused) {
        // Nothing repairable (or nothing allowed): the plan must not write a byte.
        assert.deepEqual(
          { steps: outcome.plan.steps, patches: outcome.plan.patches.length, copies: outcome.plan.copies?.length ?? 0, size: outcome.plan.size },
          { steps: [], patches: 0, copies: 0, size: undefined },
        );
        return;
      }
      assert.ok(outcome.plan.steps.length > 0, 'a repairable finding must give steps');
      const copy = await scratchCopy(original);
      await applyEdits(copy, outcome.plan);
      await assertSmallest(spec, original, copy);
      assertNothingLeft(copy);
      await assertQemuAgrees(spec, copy);
      assertBitmapsSafe(original, copy, before);
      await assertGuestUnchanged(spec, original, copy);
    });
  }

  for (const spec of FIXTURES.filter((f) => f.repairRefused)) {
    it(`${spec.name}: -r all and --force`, async () => {
      const copy = await scratchCopy(paths.get(spec.name)!);
      const hash = await sha256(copy);
      await applyEdits(copy, plan(copy, 'all').plan);
      assert.equal(await sha256(copy), hash, 'the file changed');
      // Forced, the repair goes ahead.
      const forced = withImage(copy, (src) => planRepair(src, 'all', { force: true }));
      assert.equal(forced.refused, undefined);
    });
  }
});

describe('repair (-r leaks) of each fixture', function () {
  let paths: Map<string, string>;
  before(async () => {
    paths = await sharedFixtures();
  });

  for (const spec of FIXTURES.filter((f) => f.expect.length > 0)) {
    it(`${spec.name}: leaks go, every other finding stays`, async () => {
      const original = paths.get(spec.name)!;
      const before = findings(original);
      const outcome = plan(original, 'leaks');
      assert.equal(outcome.refused !== undefined, spec.repairRefused === true, `refused: ${outcome.refused}`);
      if (outcome.refused) return;
      const copy = await scratchCopy(original);
      await applyEdits(copy, outcome.plan);
      const after = findings(copy);
      assert.equal(countFindings(after).leaks, 0);
      const corruptions = (fs: typeof before) =>
        fs
          .filter((f) => f.category === 'corruption')
          .map((f) => f.code)
          .sort();
      assert.deepEqual(corruptions(after), corruptions(before), 'leak repair must not touch corruptions');
    });
  }
});
