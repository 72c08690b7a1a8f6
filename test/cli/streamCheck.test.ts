import { strict as assert } from 'node:assert';
import { BatScanner, inMemory, scanBat } from '../../shared/check/batScan';
import '../../shared/rules/catalogue';
import { decodeImage } from '../../shared/format/image';
import { BufferSource } from '../../shared/io/byteSource';
import { checkReport, fragmentedClusters, withFile } from '../../shared/ops/check';
import { createLayout } from '../../shared/ops/create';
import { checkReportStreamed } from '../../shared/ops/streamCheck';
import { sharedFixtures } from '../fixtures';
import { dataImage } from './helpers';

describe('check with the BAT streamed (the CLI path without -r) reports exactly what the full decode reports', function () {
  this.timeout(120000);
  let fixtures: Map<string, string>;
  before(async () => {
    fixtures = await sharedFixtures();
  });

  it('on every fixture, whole and in pieces of 1, 7 and 64 entries (piece boundaries)', async () => {
    assert.ok(fixtures.size > 40);
    const fragmented = await dataImage();
    assert.ok(withFile(fragmented, checkReport).fragmentedClusters > 0);
    for (const [name, path] of [...fixtures, ['fragmented', fragmented]]) {
      const expected = withFile(path, checkReport);
      for (const pieceEntries of [undefined, 1, 7, 64]) {
        assert.deepEqual(checkReportStreamed(path, { pieceEntries }), expected, `${name}, pieces of ${pieceEntries ?? 'default'}`);
      }
    }
  });
});

describe('BatScanner fed in pieces equals one pass, and counts fragmentation as qemu-img in any piece order', () => {
  /** A deterministic pseudo-random generator (tests must not be flaky). */
  function rng(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
  }

  for (const variant of ['ext', 'legacy'] as const) {
    it(`${variant}: random BATs (runs, holes, duplicates, misaligned, out of range), random pieces`, () => {
      const random = rng(variant === 'ext' ? 1 : 2);
      for (let round = 0; round < 60; round++) {
        const layout = createLayout({ size: 512 * 1024 + Math.floor(random() * 64) * 512, clusterSize: 4096, legacy: variant === 'legacy' });
        const entries = layout.batEntries;
        const unit = variant === 'ext' ? 4096 : 512;
        const fileSize = layout.fileSize + Math.floor(random() * entries * 1.2) * 4096 + Math.floor(random() * 3) * 100;
        const bytes = new Uint8Array(fileSize);
        bytes.set(layout.header);
        const bat = new Uint32Array(entries);
        let next = layout.fileSize / unit;
        for (let i = 0; i < entries; i++) {
          const r = random();
          if (r < 0.3) bat[i] = 0;
          else if (r < 0.8) {
            bat[i] = next;
            next += 4096 / unit;
          } else if (r < 0.9) bat[i] = Math.floor(random() * (fileSize / unit + 40));
          else bat[i] = bat[Math.floor(random() * (i + 1))];
        }
        bytes.set(new Uint8Array(bat.buffer), 64);
        const image = decodeImage(new BufferSource(bytes));
        const g = image.geometry!;
        const whole = scanBat(g, image.bat!, []);
        const cuts = [0, entries, ...Array.from({ length: 5 }, () => Math.floor(random() * entries))].sort((a, b) => a - b);
        const pieces = cuts.slice(1).map((to, k) => [cuts[k], to]);
        const inOrder = new BatScanner(g);
        for (const [from, to] of pieces) inOrder.feed(image.bat!.slice(from, to), from);
        assert.deepEqual(inOrder.finish([], inMemory(image.bat!)), whole, `round ${round}`);
        assert.equal(inOrder.fragmented, fragmentedClusters(g, image.bat!), `round ${round}`);
        // Out of order, which of two duplicates is flagged depends on the order; the fragmentation count may not.
        const shuffled = new BatScanner(g);
        for (const [from, to] of [...pieces].sort(() => random() - 0.5)) shuffled.feed(image.bat!.slice(from, to), from);
        shuffled.finish([], inMemory(image.bat!));
        assert.equal(shuffled.fragmented, inOrder.fragmented, `round ${round}, shuffled`);
      }
    });
  }
});
