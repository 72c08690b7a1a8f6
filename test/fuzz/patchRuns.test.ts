import { strict as assert } from 'node:assert';
import { PatchRuns } from '../../shared/io/patch';
import { Prng } from './prng';

/** A byte model of the runs: what reads see, and which bytes are covered by a run. */
function materialize(runs: PatchRuns, size: number): { bytes: number[]; covered: boolean[] } {
  const bytes = new Array<number>(size).fill(-1);
  const covered = new Array<boolean>(size).fill(false);
  for (const r of runs.list) {
    for (let i = 0; i < r.data.length; i++) {
      bytes[r.offset + i] = r.data[i];
      covered[r.offset + i] = true;
    }
  }
  return { bytes, covered };
}

describe('PatchRuns (differential, random writes and truncations)', () => {
  it('matches a byte model, keeps runs sorted and disjoint, and never changes a snapshot taken earlier', () => {
    const rng = new Prng(7);
    for (let round = 0; round < 300; round++) {
      const runs = new PatchRuns();
      const model = new Array<number>(400).fill(-1);
      const snapshots: Array<{ copy: Array<{ offset: number; bytes: number[] }>; live: ReadonlyArray<{ offset: number; data: Uint8Array }> }> = [];
      for (let step = 0; step < 60; step++) {
        if (rng.chance(0.05)) {
          const size = rng.int(400);
          runs.truncate(size);
          for (let i = size; i < model.length; i++) model[i] = -1;
        } else {
          // Mostly appends right after the previous write (the repair pattern), else anywhere.
          const last = runs.list[runs.list.length - 1];
          const offset = last && rng.chance(0.5) ? last.offset + last.data.length : rng.int(360);
          const data = Uint8Array.from({ length: 1 + rng.int(30) }, () => rng.u32() & 0xff);
          if (offset + data.length > model.length) continue;
          runs.write(offset, data);
          data.forEach((b, i) => (model[offset + i] = b));
        }
        if (rng.chance(0.2)) {
          const live = runs.list.slice();
          snapshots.push({ live, copy: live.map((p) => ({ offset: p.offset, bytes: Array.from(p.data) })) });
        }
        const { bytes } = materialize(runs, model.length);
        assert.deepEqual(bytes, model, `round ${round} step ${step}`);
        const list = runs.list;
        for (let k = 1; k < list.length; k++) assert.ok(list[k - 1].offset + list[k - 1].data.length <= list[k].offset, 'sorted and disjoint');
      }
      for (const s of snapshots) {
        assert.deepEqual(s.live.map((p) => ({ offset: p.offset, bytes: Array.from(p.data) })), s.copy, 'an earlier snapshot changed');
      }
    }
  });
});

describe('PatchRuns (appends stay linear)', () => {
  it('writes 2000 adjacent 64 KiB clusters and their BAT entries in well under a second each', () => {
    const runs = new PatchRuns();
    const cluster = new Uint8Array(65536).fill(7);
    const t = Date.now();
    for (let i = 0; i < 2000; i++) {
      runs.write(1 << 30 | (i * 65536), cluster);
      runs.write(64 + i * 8, new Uint8Array(4).fill(i & 0xff));
    }
    const ms = Date.now() - t;
    // Re-copying the whole run on each write (the old merge) took minutes here: quadratic in the run length.
    assert.ok(ms < 2000, `${ms} ms`);
    assert.equal(runs.list.length, 2001);
    assert.equal(runs.list[2000].data.length, 2000 * 65536);
  });
});
