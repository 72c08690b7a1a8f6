import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { type BatScan, BatScanner, WARM_UP_ENTRIES, inMemory } from '../../shared/check/batScan';
import { entryBounds } from '../../shared/check/entryTests';
import { KERNEL_PIECE_ENTRIES, scanKernel } from '../../shared/check/kernels/scanKernel';
import '../../shared/rules/catalogue';
import { type Geometry, deriveGeometry } from '../../shared/format/geometry';
import { decodeHeader } from '../../shared/format/header';
import { BufferSource } from '../../shared/io/byteSource';
import { createLayout } from '../../shared/ops/create';
import { rng } from '../random';

/**
 * The BAT scan's WebAssembly kernels (shared/check/kernels/batScanKernels.wat) against the TypeScript loops they
 * replace: the same BatScan, entry for entry, on sparse and dense BATs full of what the kernels must not get wrong (values at
 * every bound of the entry tests, near 2^32, misaligned, duplicates of earlier and later entries, runs that cross
 * a kernel piece). The TypeScript loops are checked against a slow reference in batScan.test.ts.
 */

const root = join(__dirname, '..', '..', '..');

/** The geometry of an image of `entries` clusters whose file is `spareClusters` clusters longer than its metadata. */
function geometry(legacy: boolean, entries: number, spareClusters: number, tailBytes = 0, clusterSize = 4096): Geometry {
  const layout = createLayout({ size: entries * clusterSize, clusterSize, legacy });
  return deriveGeometry(decodeHeader(new BufferSource(layout.header)), layout.fileSize + spareClusters * clusterSize + tailBytes);
}

/**
 * A BAT a quarter allocated (the sparse loops run), with every kind of value the entry tests tell apart; `dense`:
 * mostly allocated, in runs of consecutive clusters (some 32 long from a bitmap word's start), broken here and there.
 */
function testBat(g: Geometry, random: () => number, dense = false): Uint32Array {
  const b = entryBounds(g);
  const bat = new Uint32Array(g.batEntries);
  const slots = Math.floor((b.lastWhole - b.originUnits) / b.perCluster);
  const regular = (): number => b.originUnits + (Math.ceil((b.dataStart - b.originUnits) / b.perCluster) + Math.floor(random() * slots)) * b.perCluster;
  const hostile = [0xffffffff, 0x80000000, 0x7fffffff, b.dataStart - 1, b.dataStart, b.lastWhole, b.lastWhole + 1, b.inFile, b.inFile - 1, 1];
  for (let i = 0; i < bat.length; i++) {
    const r = random();
    if (dense && r < 0.965) {
      // Continue the run from the entry before, or start one on a bitmap word's first slot.
      const prev = bat[i - 1] ?? 0;
      const wordStart =
        b.originUnits + (Math.ceil((b.dataStart - b.originUnits) / b.perCluster / 32) + Math.floor((random() * slots) / 32)) * 32 * b.perCluster;
      bat[i] = prev !== 0 && r < 0.96 ? prev + b.perCluster : wordStart;
      if (bat[i] > b.lastWhole) bat[i] = 0;
      continue;
    }
    if (dense && r < 0.975) continue;
    if (!dense && r < 0.75) continue;
    if (r < 0.95) bat[i] = regular();
    else if (r < 0.97) bat[i] = bat[Math.floor(random() * (i + 1))] || regular();
    else if (r < 0.98) bat[i] = regular() + 1 + Math.floor(random() * (b.perCluster - 1 || 1));
    else bat[i] = hostile[Math.floor(random() * hostile.length)] >>> 0;
  }
  // Runs of 32 from a word's first slot whose last clusters end past the file (entries beyond its end, not a run).
  const lastWordStart = b.originUnits + Math.floor((b.lastWhole - b.originUnits) / b.perCluster / 32) * 32 * b.perCluster;
  for (let k = 0; k < 4 && dense; k++) {
    // The first one right after the scanner's warm-up entries, before other entries take that word's slots.
    const i = k === 0 ? WARM_UP_ENTRIES : Math.floor(random() * (bat.length - 32));
    for (let j = 0; j < 32; j++) bat[i + j] = lastWordStart + j * b.perCluster;
  }
  // Pairs whose sum wraps past 2^32 onto the next entry (not consecutive clusters: fragmented, as the numbers say).
  for (let k = 0; k < 8 && b.perCluster > 1; k++) {
    const i = Math.floor(random() * (bat.length - 1));
    bat[i] = 0xffffffff - k;
    bat[i + 1] = (0xffffffff - k + b.perCluster) >>> 0 || 1;
  }
  // A run of consecutive clusters across the first kernel piece's end (not fragmented where the kernel splits it).
  if (bat.length > KERNEL_PIECE_ENTRIES + 8) {
    const start = regular();
    for (let k = -4; k < 4; k++) bat[KERNEL_PIECE_ENTRIES + k] = start + (k + 4) * b.perCluster;
  }
  return bat;
}

/**
 * The scan of `bat` fed in pieces of `piece` entries, with or without the kernels; `inPlace`: each piece read into
 * the scanner's own buffer, as streamBat does for a check (both passes), so that the kernels work on it in place.
 */
function scan(g: Geometry, bat: Uint32Array, piece: number, kernels: boolean, inPlace = false): BatScan {
  const scanner = new BatScanner(g, undefined, kernels ? 'always' : 'never');
  const buffer = inPlace ? scanner.readBuffer : undefined;
  const pieceOf = (from: number): Uint32Array => {
    const n = Math.min(piece, bat.length - from);
    if (!buffer) return bat.slice(from, from + n);
    buffer.set(bat.subarray(from, from + n));
    return buffer.subarray(0, n);
  };
  for (let from = 0; from < bat.length; from += piece) scanner.feed(pieceOf(from), from);
  const again = inPlace
    ? (visit: (chunk: Uint32Array, from: number) => boolean | void) => {
        for (let from = 0; from < bat.length; from += piece) if (visit(pieceOf(from), from) === false) return;
      }
    : inMemory(bat);
  return scanner.finish([], again);
}

function plain(s: BatScan): object {
  const n = s.problemCount;
  return {
    ...s,
    problemIndex: [...s.problemIndex.subarray(0, n)],
    problemFlags: [...s.problemFlags.subarray(0, n)],
    problemPeer: [...s.problemPeer.subarray(0, n)],
    problemValue: [...s.problemValue.subarray(0, n)],
  };
}

describe('BAT scan kernels (WebAssembly)', () => {
  it('the committed bytes are what scripts/wasm.mjs makes of the .wat', () => {
    const run = spawnSync(process.execPath, [join(root, 'scripts', 'wasm.mjs'), '--check'], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
  });

  it('load in Node, so that every scan test runs them', () => {
    const g = geometry(false, 1024, 1024);
    assert.ok(scanKernel(entryBounds(g), 64), 'the kernel module compiled and instantiated');
    assert.ok(new BatScanner(g, undefined, 'always').readBuffer, 'a scanner reads into its kernel');
    assert.equal(new BatScanner(g, undefined, 'never').readBuffer, undefined);
    assert.equal(new BatScanner(g).readBuffer, undefined, 'not for a BAT this small');
    assert.ok(new BatScanner(geometry(false, 1 << 16, 1024)).readBuffer, 'for one of 64K entries');
  });

  for (const legacy of [false, true]) {
    const variant = legacy ? 'legacy' : 'ext';
    it(`${variant}: the same scan as the TypeScript loops, in pieces of every size`, () => {
      const random = rng(legacy ? 31 : 32);
      for (let round = 0; round < 6; round++) {
        const entries = round < 2 ? KERNEL_PIECE_ENTRIES + 4096 + Math.floor(random() * 4096) : 5000 + Math.floor(random() * 20000);
        const g = geometry(legacy, entries, Math.floor(entries * (0.5 + random())), random() < 0.5 ? 100 : 0);
        const dense = round % 2 === 1;
        const bat = testBat(g, random, dense);
        // One piece (the kernel splits it), pieces of a kernel piece and a bit, and small odd pieces (tails of 1-3).
        for (const piece of [bat.length, KERNEL_PIECE_ENTRIES + 3, KERNEL_PIECE_ENTRIES, 1021]) {
          const withKernels = scan(g, bat, piece, true);
          assert.ok(withKernels.problemCount > 0 && withKernels.allocated > bat.length * (dense ? 0.8 : 0.2), 'a BAT with problems');
          const reference = plain(scan(g, bat, piece, false));
          assert.deepEqual(plain(withKernels), reference, `${variant} round ${round}, pieces of ${piece}`);
          if (piece <= KERNEL_PIECE_ENTRIES)
            assert.deepEqual(plain(scan(g, bat, piece, true, true)), reference, `${variant} round ${round}, in place, pieces of ${piece}`);
        }
      }
    });
  }

  it('files with no whole cluster past the data start, or shorter than a cluster: no entry is regular', () => {
    for (const g of [geometry(false, 4096, 0, 100), geometry(true, 4096, 0, 100), geometry(false, 256, 0, 0, 1 << 20)]) {
      assert.ok(entryBounds(g).lastWhole < entryBounds(g).dataStart);
      const bat = new Uint32Array(g.batEntries);
      for (let i = 0; i < bat.length; i += 3) bat[i] = i % 2 === 0 ? 0xffffffff : i;
      const withKernels = scan(g, bat, bat.length, true);
      assert.equal(withKernels.problemCount, withKernels.allocated, 'every allocated entry is a problem');
      assert.deepEqual(plain(withKernels), plain(scan(g, bat, bat.length, false)));
    }
  });
});
