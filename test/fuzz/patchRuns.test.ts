import { strict as assert } from 'node:assert';
import { PatchRuns, type Run, isCopy, isLiteral, runLength } from '../../shared/io/patch';
import { Prng } from './prng';

/** What a run says byte i holds: a literal byte, base byte `from + k` (as -1000 - offset), or zero. */
function runByte(r: Run, k: number): number {
  if (isLiteral(r)) return r.data[k];
  if (isCopy(r)) return -1000 - (r.from + k);
  return 0;
}

/** A byte model of the runs: what each covered byte holds (-1: not covered). */
function materialize(runs: readonly Run[], size: number): number[] {
  const bytes = new Array<number>(size).fill(-1);
  for (const r of runs) for (let k = 0; k < runLength(r); k++) bytes[r.offset + k] = runByte(r, k);
  return bytes;
}

function randomRun(rng: Prng, offset: number): Run {
  const length = 1 + rng.int(30);
  const kind = rng.int(4);
  if (kind === 0) return { offset, length, from: rng.int(1000) };
  if (kind === 1) return { offset, length, zero: true };
  return { offset, data: Uint8Array.from({ length }, () => rng.u32() & 0xff) };
}

describe('PatchRuns (differential, random writes of bytes, copies and zeros, and truncations)', () => {
  it('matches a byte model, keeps runs sorted and disjoint, and never changes a snapshot taken earlier', () => {
    const rng = new Prng(7);
    for (let round = 0; round < 300; round++) {
      const runs = new PatchRuns();
      const model = new Array<number>(400).fill(-1);
      const snapshots: Array<{ copy: number[]; live: Run[] }> = [];
      for (let step = 0; step < 60; step++) {
        if (rng.chance(0.05)) {
          const size = rng.int(400);
          runs.truncate(size);
          for (let i = size; i < model.length; i++) model[i] = -1;
        } else {
          // Mostly appends right after the previous write (the repair pattern), else anywhere.
          const last = runs.list[runs.list.length - 1];
          const offset = last && rng.chance(0.5) ? last.offset + runLength(last) : rng.int(360);
          const run = randomRun(rng, offset);
          if (offset + runLength(run) > model.length) continue;
          if (isLiteral(run)) runs.write(run.offset, run.data);
          else runs.writeRun(run);
          for (let k = 0; k < runLength(run); k++) model[offset + k] = runByte(run, k);
        }
        if (rng.chance(0.2)) {
          const live = runs.list.slice();
          snapshots.push({ live, copy: materialize(live, model.length) });
        }
        assert.deepEqual(materialize(runs.list, model.length), model, `round ${round} step ${step}`);
        const list = runs.list;
        for (let k = 1; k < list.length; k++) assert.ok(list[k - 1].offset + runLength(list[k - 1]) <= list[k].offset, 'sorted and disjoint');
      }
      for (const s of snapshots) assert.deepEqual(materialize(s.live, model.length), s.copy, 'an earlier snapshot changed');
    }
  });
});

describe('PatchRuns (work per write)', () => {
  it('writes 2000 adjacent 64 KiB clusters and their BAT entries copying each byte a bounded number of times', () => {
    const runs = new PatchRuns();
    const cluster = new Uint8Array(65536).fill(7);
    for (let i = 0; i < 2000; i++) {
      runs.write((1 << 30) | (i * 65536), cluster);
      runs.write(64 + i * 8, new Uint8Array(4).fill(i & 0xff));
    }
    // Re-copying the whole run on each write (the old merge) copied 2000^2 / 2 clusters: quadratic in the run length.
    const written = 2000 * (65536 + 4);
    assert.ok(runs.bytesCopied <= 3 * written, `${runs.bytesCopied} bytes copied for ${written} written`);
    assert.equal(runs.list.length, 2001);
    assert.equal(
      runs.list.reduce((n, r) => n + runLength(r), 0),
      2000 * (65536 + 4),
    );
  });

  it('a small patch inside a large run costs the patch, not a copy of the run (300 one-byte patches in 64 MiB)', () => {
    const runs = new PatchRuns();
    const big = new Uint8Array(64 << 20).fill(1);
    runs.write(0, big);
    const start = runs.bytesCopied;
    for (let i = 0; i < 300; i++) runs.write(((i * 2654435761) >>> 0) % big.length, Uint8Array.of(i & 0xff));
    // Each write may copy a small neighbour (at most 4 KiB on either side), never the 64 MiB run.
    assert.ok(runs.bytesCopied - start <= 300 * (1 + 2 * 4096), `${runs.bytesCopied - start} bytes copied`);
    const bytes = new Uint8Array(big.length);
    for (const r of runs.list) if (isLiteral(r)) bytes.set(r.data, r.offset);
    const want = big.slice();
    for (let i = 0; i < 300; i++) want[((i * 2654435761) >>> 0) % big.length] = i & 0xff;
    assert.ok(Buffer.from(bytes).equals(Buffer.from(want)));
  });

  it('a copy or zero run costs O(1) whatever its length, and adjacent copies of adjacent ranges merge', () => {
    const runs = new PatchRuns();
    for (let i = 0; i < 1000; i++) runs.writeRun({ offset: i << 30, length: 1 << 30, from: i << 30 });
    runs.writeRun({ offset: 1000 * 2 ** 30, length: 2 ** 40, zero: true });
    assert.equal(runs.bytesCopied, 0);
    assert.equal(runs.list.length, 2);
  });
});
