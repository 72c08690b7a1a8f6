import { strict as assert } from 'node:assert';
import { BatScanner, EntryFlag, inMemory } from '../../shared/check/batScan';
import '../../shared/rules/catalogue';
import { Geometry } from '../../shared/format/geometry';
import { decodeImage } from '../../shared/format/image';
import { BufferSource } from '../../shared/io/byteSource';
import { createLayout } from '../../shared/ops/create';
import { fragmentedClusters } from '../../shared/ops/check';

/**
 * The BAT scan's fast paths (a tight loop for regular entries, whole bitmap words for runs of 32 consecutive
 * clusters) against a reference written the slow, obvious way: byte offsets, a Map of host ranges, one entry at a
 * time. Random BATs mix long runs (aligned and not), holes, duplicates of earlier and later entries, misaligned
 * and out-of-range values.
 */
function reference(g: Geometry, bat: Uint32Array): { flags: Map<number, number>; allocated: number } {
  const flags = new Map<number, number>();
  const owner = new Map<number, number>();
  let allocated = 0;
  const origin = g.variant === 'ext' ? 0 : g.dataOffset;
  bat.forEach((e, i) => {
    if (e === 0) return;
    allocated++;
    const host = e * g.unit;
    let f = 0;
    if (host + g.clusterSize > g.fileSize) f |= EntryFlag.BeyondEof;
    if (i >= g.diskClusters) f |= EntryFlag.BeyondDisk;
    if (host < g.dataOffset) f |= EntryFlag.BeforeData;
    else if ((host - origin) % g.clusterSize !== 0) f |= EntryFlag.Misaligned;
    const regular = (f & (EntryFlag.BeforeData | EntryFlag.Misaligned)) === 0;
    if (regular && host < g.fileSize) {
      if (owner.has(host)) f |= EntryFlag.Duplicate;
      else owner.set(host, i);
    }
    if (f !== 0) flags.set(i, f);
  });
  return { flags, allocated };
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return s / 2 ** 32;
  };
}

describe('BAT scan fast paths against a slow reference', () => {
  for (const variant of ['ext', 'legacy'] as const) {
    it(`${variant}: random BATs with long runs, in pieces`, () => {
      const random = rng(variant === 'ext' ? 11 : 12);
      for (let round = 0; round < 40; round++) {
        const clusterSize = 4096;
        const layout = createLayout({ size: (2048 + Math.floor(random() * 512)) * clusterSize, clusterSize, legacy: variant === 'legacy' });
        const entries = layout.batEntries;
        const unit = variant === 'ext' ? clusterSize : 512;
        const step = clusterSize / unit;
        const fileSize = layout.fileSize + Math.floor(entries * (0.8 + random() * 0.4)) * clusterSize + (random() < 0.2 ? 100 : 0);
        const bytes = new Uint8Array(fileSize);
        bytes.set(layout.header);
        const bat = new Uint32Array(entries);
        let next = layout.fileSize / unit + Math.floor(random() * 8) * step;
        for (let i = 0; i < entries; ) {
          const r = random();
          const length = 1 + Math.floor(random() * 100);
          for (let k = 0; k < length && i < entries; k++, i++) {
            if (r < 0.15) bat[i] = 0;
            else if (r < 0.85) {
              bat[i] = next;
              next += step;
            } else if (r < 0.9) bat[i] = Math.floor(random() * (fileSize / unit + 64));
            else if (r < 0.95) bat[i] = bat[Math.floor(random() * (i + 1))] || next;
            else bat[i] = next + 1; // misaligned for legacy, a gap for ext
          }
          if (random() < 0.1) next -= Math.floor(random() * 64) * step; // later entries duplicate earlier runs
        }
        bytes.set(new Uint8Array(bat.buffer), 64);
        const image = decodeImage(new BufferSource(bytes));
        const g = image.geometry!;
        const ref = reference(g, image.bat!);
        const scanner = new BatScanner(g);
        const cut = Math.floor(random() * entries);
        scanner.feed(image.bat!.slice(0, cut), 0);
        scanner.feed(image.bat!.slice(cut), cut);
        const scan = scanner.finish([], inMemory(image.bat!));
        const got = new Map<number, number>();
        for (let k = 0; k < scan.problemCount; k++) got.set(scan.problemIndex[k], scan.problemFlags[k]);
        for (const i of new Set([...got.keys(), ...ref.flags.keys()])) {
          const want = ref.flags.get(i) ?? 0;
          // Overlaps of misaligned and below-data entries are judged by byte range, which the reference leaves out.
          const mask = want & (EntryFlag.BeforeData | EntryFlag.Misaligned) ? ~EntryFlag.Duplicate : ~0;
          assert.equal((got.get(i) ?? 0) & mask, want & mask, `round ${round}: flags of entry ${i}`);
        }
        assert.equal(scan.allocated, ref.allocated, `round ${round}: allocated`);
        assert.equal(scanner.fragmented, fragmentedClusters(g, image.bat!), `round ${round}: fragmented`);
      }
    });
  }
});
