import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { checkImage } from '../../shared/engine/check';
import { decodeImage } from '../../shared/format/image';
import { guestRuns } from '../../shared/format/guestMap';
import { BufferSource } from '../../shared/io/byteSource';
import type { EditSet } from '../../shared/io/patch';
import { OverlaySource } from '../../shared/io/overlaySource';
import { planFix, planRepair, repairable } from '../../shared/engine/repair';
import { fixturePath } from '../fixtures';
import { ImageBytes } from '../fixtures/imageBytes';
import { CLUSTER, EXT64K } from '../fixtures/specs/layout';
import { Prng } from '../fuzz/prng';

/** Repairs judged by what they leave: the same end whatever the order of single fixes, no growth beyond the copies. */

function applied(bytes: Uint8Array, edits: EditSet): Buffer {
  const state = new OverlaySource(new BufferSource(bytes), edits);
  return Buffer.from(state.read(0, state.size));
}

/** The guest disk as the engine maps it (bytes past the end of the file read as zeros). */
function guest(bytes: Uint8Array): Buffer {
  const src = new BufferSource(bytes);
  const image = decodeImage(src);
  const g = image.geometry;
  if (!g || !image.bat) return Buffer.alloc(0);
  const out = Buffer.alloc(g.diskBytes);
  for (const run of guestRuns(g, image.bat)) if (run.hostOffset !== undefined) src.readInto(run.hostOffset, out.subarray(run.start, run.start + run.length));
  return out;
}

function repairableCodes(bytes: Uint8Array): string[] {
  return checkImage(new BufferSource(bytes))
    .findings.filter((f) => repairable(f, 'all'))
    .map((f) => f.code);
}

/**
 * Every state that applying single fixes (planFix, the quick fix of the editor and of the server's code actions)
 * one by one can reach, finding by finding, until nothing repairable is left; states reached twice are walked once.
 * Returns the end states with one order that reaches each.
 */
function endStates(start: Buffer, limit = 2000): Map<string, { bytes: Buffer; order: string[] }> {
  const ends = new Map<string, { bytes: Buffer; order: string[] }>();
  const seen = new Set<string>();
  const walk = (bytes: Buffer, order: string[]): void => {
    const key = createHash('sha256').update(bytes).digest('hex');
    if (seen.has(key)) return;
    seen.add(key);
    assert.ok(seen.size < limit, 'too many states: single fixes do not converge');
    const todo = checkImage(new BufferSource(bytes)).findings.filter((f) => repairable(f, 'all'));
    const fixes = todo.flatMap((f) => {
      const plan = planFix(new BufferSource(bytes), f);
      return plan ? [{ f, plan }] : [];
    });
    if (fixes.length === 0) {
      ends.set(key, { bytes, order });
      return;
    }
    for (const { f, plan } of fixes) walk(applied(bytes, plan), [...order, `${f.code}${f.batIndex === undefined ? '' : `#${f.batIndex}`}`]);
  };
  walk(start, []);
  return ends;
}

/** Small images where single fixes interact: a leak and a copy, copies competing for space, header and BAT. */
const ORDER_FIXTURES = [
  'combined-duplicate-leak',
  'combined-crash',
  'combined-legacy',
  'bat-entry-misaligned-last',
  'bat-entry-duplicate-zero-hole',
  'file-size-misaligned',
  'data-off-invalid-legacy',
  'data-off-off-grid',
  'disk-size-exceeds-bat',
  'ext-end-not-zero',
  'bitmap-feature-too-small',
  'image-unclean-bitmap',
];

describe('single fixes in any order end where Fix all ends', function () {
  for (const name of ORDER_FIXTURES) {
    it(name, async () => {
      const original = await readFile(await fixturePath(name));
      const outcome = planRepair(new BufferSource(original), 'all');
      assert.equal(outcome.refused, undefined);
      const all = applied(original, outcome.plan);
      const ends = endStates(original);
      for (const { bytes, order } of ends.values()) {
        const how = order.join(' > ');
        assert.deepEqual(repairableCodes(bytes), [], `${how}: something repairable is left`);
        assert.equal(bytes.length, all.length, `${how}: ${bytes.length} bytes, Fix all leaves ${all.length}`);
        assert.ok(guest(bytes).equals(guest(all)), `${how}: the guest reads other data than after Fix all`);
        // Two copies placed in the order they were asked for may swap slots; the header and BAT otherwise agree.
        if (ends.size === 1) assert.ok(bytes.equals(all), `${how}: other bytes than Fix all`);
      }
    });
  }
});

/** A small random image: the ext64k fixture (as WithoutFreeSpace or not) with BAT damage, leaks and zeroed holes. */
function generated(base: Buffer, seed: number): Buffer {
  const r = new Prng(seed);
  const img = new ImageBytes(Buffer.from(base));
  if (r.chance(0.5)) img.toLegacy();
  const unit = img.unit;
  const allocated = (): number[] => Array.from({ length: EXT64K.entries }, (_, i) => i).filter((i) => img.batEntry(i) !== 0);
  for (let n = r.range(1, 4); n > 0; n--) {
    const i = r.int(EXT64K.entries);
    const from = allocated();
    switch (r.int(5)) {
      case 0: // a duplicate of another entry
        if (from.length > 0) img.setBatEntry(i, img.batEntry(r.pick(from)));
        break;
      case 1: // a sector off the grid (WithoutFreeSpace only)
        if (unit === 512 && from.length > 0) img.setBatEntry(i, img.batEntry(r.pick(from)) + r.range(1, 127));
        break;
      case 2: // a leaked cluster
        img.appendCluster(r.range(1, 255));
        break;
      case 3: // an entry unmapped, its cluster zeroed (a zero hole) or kept (an unreferenced one)
        if (from.length > 0) {
          const k = r.pick(from);
          if (r.chance(0.5)) img.fill(img.hostOf(k), CLUSTER, 0);
          img.setBatEntry(k, 0);
        }
        break;
      default: // an entry past the end of the file
        img.setBatEntry(i, (img.size + r.int(4) * CLUSTER) / unit);
    }
  }
  return img.bytes;
}

describe('property: a repair grows a file by the clusters it copies at most, and a second -r all writes nothing', function () {
  it('on 300 generated small images', async () => {
    const base = await readFile(await fixturePath('clean-ext64k'));
    let grew = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const bytes = generated(base, seed);
      const outcome = planRepair(new BufferSource(bytes), 'all');
      if (outcome.refused) continue;
      const after = applied(bytes, outcome.plan);
      const copied = outcome.copied ?? 0;
      assert.ok(
        after.length <= bytes.length + copied * CLUSTER,
        `seed ${seed}: ${bytes.length} -> ${after.length} bytes with ${copied} copies\n${outcome.plan.steps.join('\n')}`,
      );
      if (after.length > bytes.length) grew++;
      const again = planRepair(new BufferSource(after), 'all');
      assert.deepEqual(
        { steps: again.plan.steps, patches: again.plan.patches.length, size: again.plan.size },
        { steps: [], patches: 0, size: undefined },
        `seed ${seed}: second -r all`,
      );
    }
    // The generator must reach the interesting case: repairs that had to add clusters.
    assert.ok(grew > 0, 'no generated image needed a new cluster');
  });
});
