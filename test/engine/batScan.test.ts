import { strict as assert } from 'node:assert';
import { BatScanner, EntryFlag, inMemory, subtractRanges } from '../../shared/check/batScan';
import '../../shared/rules/catalogue';
import type { Geometry } from '../../shared/format/geometry';
import { deriveGeometry } from '../../shared/format/geometry';
import { decodeHeader } from '../../shared/format/header';
import { decodeImage } from '../../shared/format/image';
import { BufferSource } from '../../shared/io/byteSource';
import { createLayout } from '../../shared/ops/create';
import { fragmentedClusters } from '../../shared/ops/check';
import { rng } from '../random';

/**
 * The BAT scan's fast paths (a tight loop for regular entries, whole bitmap words for runs of 32 consecutive
 * clusters) against a reference written the slow, obvious way: byte offsets, a Map of host ranges, one entry at a
 * time. Random BATs mix long runs (aligned and not), holes, duplicates of earlier and later entries, misaligned
 * and out-of-range values.
 */
function reference(g: Geometry, bat: Uint32Array): { flags: Map<number, number>; peers: Map<number, number>; allocated: number } {
  const flags = new Map<number, number>();
  const peers = new Map<number, number>();
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
      if (owner.has(host)) {
        f |= EntryFlag.Duplicate;
        peers.set(i, owner.get(host) as number);
      } else owner.set(host, i);
    }
    if (f !== 0) flags.set(i, f);
  });
  return { flags, peers, allocated };
}

/**
 * Scans the image `bytes` in pieces cut at random and compares every entry's flags and peer with the reference;
 * returns how many entries the reference flags.
 */
function assertAsReference(bytes: Uint8Array, random: () => number, what: string): number {
  const image = decodeImage(new BufferSource(bytes));
  const g = image.geometry!;
  const entries = image.bat!.length;
  const ref = reference(g, image.bat!);
  const scanner = new BatScanner(g);
  // Pieces of random sizes: some dense, some sparse, so that both of the scanner's loops run.
  const cuts = [0, entries, ...Array.from({ length: 6 }, () => Math.floor(random() * entries))].sort((a, b) => a - b);
  for (let k = 1; k < cuts.length; k++) scanner.feed(image.bat!.slice(cuts[k - 1], cuts[k]), cuts[k - 1]);
  const scan = scanner.finish([], inMemory(image.bat!));
  const got = new Map<number, number>();
  for (let k = 0; k < scan.problemCount; k++) {
    const i = scan.problemIndex[k];
    got.set(i, scan.problemFlags[k]);
    assert.equal(scan.problemValue[k], image.bat![i], `${what}: value of entry ${i}`);
    // The first owner of a regular duplicate's cluster, found by the filtered second pass.
    if (ref.peers.has(i)) assert.equal(scan.problemPeer[k], ref.peers.get(i), `${what}: peer of entry ${i}`);
  }
  for (const i of new Set([...got.keys(), ...ref.flags.keys()])) {
    const want = ref.flags.get(i) ?? 0;
    // Overlaps of misaligned and below-data entries are judged by byte range, which the reference leaves out.
    const mask = want & (EntryFlag.BeforeData | EntryFlag.Misaligned) ? ~EntryFlag.Duplicate : ~0;
    assert.equal((got.get(i) ?? 0) & mask, want & mask, `${what}: flags of entry ${i}`);
  }
  assert.equal(scan.allocated, ref.allocated, `${what}: allocated`);
  assert.equal(scanner.fragmented, fragmentedClusters(g, image.bat!), `${what}: fragmented`);
  assert.deepEqual(scan.holes, referenceHoles(g, image.bat!, scan.usedEnd), `${what}: holes`);
  return ref.flags.size;
}

/**
 * Cluster slots of the data area below `usedEnd` that no regular entry holds, as merged byte ranges, less the bytes
 * of the irregular entries (below the data area or off the grid, inside the file), computed one slot at a time.
 */
function referenceHoles(g: Geometry, bat: Uint32Array, usedEnd: number): Array<[number, number]> {
  const origin = g.variant === 'ext' ? 0 : g.dataOffset;
  const from = Math.ceil((Math.max(g.dataOffset, g.batEnd) - origin) / g.clusterSize);
  const to = Math.floor((usedEnd - origin) / g.clusterSize);
  const used = new Set<number>();
  const irregular: number[] = [];
  for (const e of bat) {
    const host = e * g.unit;
    if (e === 0 || host >= g.fileSize) continue;
    if (host >= g.dataOffset && (host - origin) % g.clusterSize === 0) used.add((host - origin) / g.clusterSize);
    else irregular.push(host);
  }
  let holes: Array<[number, number]> = [];
  for (let s = from; s < to; s++) {
    if (used.has(s)) continue;
    const start = origin + s * g.clusterSize;
    const last = holes[holes.length - 1];
    if (last && last[1] === start) last[1] = start + g.clusterSize;
    else holes.push([start, start + g.clusterSize]);
  }
  for (const host of irregular) {
    holes = holes.flatMap(([hs, he]): Array<[number, number]> => {
      const ue = host + g.clusterSize;
      if (!(hs < ue && host < he)) return [[hs, he]];
      return [...(host > hs ? [[hs, host] as [number, number]] : []), ...(ue < he ? [[ue, he] as [number, number]] : [])];
    });
  }
  return holes;
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
        for (let i = 0; i < entries;) {
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
        assertAsReference(bytes, random, `round ${round}`);
      }
    });
  }
  for (const variant of ['ext', 'legacy'] as const) {
    it(`${variant}: runs of 32 whose first and last entries match but one entry between differs`, () => {
      const random = rng(variant === 'ext' ? 21 : 22);
      const clusterSize = 4096;
      const layout = createLayout({ size: 64 * 32 * clusterSize, clusterSize, legacy: variant === 'legacy' });
      const unit = variant === 'ext' ? clusterSize : 512;
      const step = clusterSize / unit;
      // Entry i in slot s0 + i, s0 a multiple of 32 (slots count from the file start for ext, from data_off for
      // legacy): each block of 32 entries fills one bitmap word, the scanner's fast path.
      const bytes = new Uint8Array(layout.fileSize + (64 + layout.batEntries) * clusterSize);
      bytes.set(layout.header);
      const g = decodeImage(new BufferSource(bytes)).geometry!;
      const origin = variant === 'ext' ? 0 : g.dataOffset;
      const s0 = Math.ceil((g.dataOffset - origin) / clusterSize / 32) * 32;
      const bat = new Uint32Array(layout.batEntries);
      const first = (origin + s0 * clusterSize) / unit;
      for (let i = 0; i < bat.length; i++) bat[i] = first + i * step;
      // Block r (entries 32r .. 32r + 31) breaks at entry 32r + 1 + (r % 30), in the ways an entry can differ.
      for (let r = 0; r * 32 + 31 < bat.length; r++) {
        const i = r * 32 + 1 + (r % 30);
        const kind = r % 5;
        bat[i] = kind === 0 ? 0 : kind === 1 ? bat[i] + step : kind === 2 ? bat[i] + 1 : kind === 3 ? first : bat[i] + 2 ** 31;
      }
      bytes.set(new Uint8Array(bat.buffer), 64);
      // Only the changed entries (and the owners they duplicate) are flagged: the others are regular, in runs.
      assert.ok(assertAsReference(bytes, random, variant) <= 2 * (bat.length / 32), 'the unchanged entries are regular');
    });
  }
});

describe('holes less the ranges irregular entries and metadata use', () => {
  /** The obvious way: every used range taken out of every hole, one at a time. */
  function naive(holes: Array<[number, number]>, used: Array<[number, number]>): Array<[number, number]> {
    let out = holes;
    for (const [us, ue] of used) {
      out = out.flatMap(([hs, he]): Array<[number, number]> => {
        if (!(hs < ue && us < he)) return [[hs, he]];
        return [...(us > hs ? [[hs, us] as [number, number]] : []), ...(ue < he ? [[ue, he] as [number, number]] : [])];
      });
    }
    return out;
  }

  it('the sweep gives what subtracting one range at a time gives (overlapping, nested, touching ranges)', () => {
    const random = rng(41);
    for (let round = 0; round < 300; round++) {
      const holes: Array<[number, number]> = [];
      for (let at = Math.floor(random() * 8); holes.length < 1 + Math.floor(random() * 12);) {
        const end = at + 1 + Math.floor(random() * 10);
        holes.push([at, end]);
        at = end + 1 + Math.floor(random() * 6);
      }
      const used = Array.from({ length: Math.floor(random() * 10) }, (): [number, number] => {
        const a = Math.floor(random() * 120);
        return [a, a + 1 + Math.floor(random() * 25)];
      });
      assert.deepEqual(
        subtractRanges(
          holes,
          used.map((r) => [...r] as [number, number]),
        ),
        naive(holes, used),
        `round ${round}`,
      );
    }
  });

  it('100,000 holes and 100,000 used ranges: one sweep (subtracting one at a time did 10^10 steps)', () => {
    const holes = Array.from({ length: 100_000 }, (_, k): [number, number] => [k * 4, k * 4 + 3]);
    const used = Array.from({ length: 100_000 }, (_, k): [number, number] => [((k * 7919) % 100_000) * 4 + 1, ((k * 7919) % 100_000) * 4 + 2]);
    const out = subtractRanges(holes, used);
    assert.equal(out.length, 200_000);
    assert.deepEqual(out.slice(0, 4), [
      [0, 1],
      [2, 3],
      [4, 5],
      [6, 7],
    ]);
  });
});

describe('misaligned and before-data entries overlapping each other', () => {
  /** A legacy image (512-byte units, 4 KiB clusters) of `entries` entries, its file 4096 clusters past the BAT. */
  function legacy(entries: number): Geometry {
    const layout = createLayout({ size: entries * 4096, clusterSize: 4096, legacy: true });
    return deriveGeometry(decodeHeader(new BufferSource(layout.header)), layout.fileSize + 4096 * 4096);
  }

  function duplicatePeers(g: Geometry, bat: Uint32Array): Map<number, number> {
    const scanner = new BatScanner(g);
    scanner.feed(bat, 0);
    const scan = scanner.finish([], inMemory(bat));
    const peers = new Map<number, number>();
    for (let k = 0; k < scan.problemCount; k++) if (scan.problemFlags[k] & EntryFlag.Duplicate) peers.set(scan.problemIndex[k], scan.problemPeer[k]);
    return peers;
  }

  it('each overlapping an earlier one is a duplicate, its peer the earliest it overlaps (against all pairs)', () => {
    const random = rng(51);
    for (let round = 0; round < 50; round++) {
      const g = legacy(512);
      const bat = new Uint32Array(g.batEntries);
      // Misaligned values a few sectors apart (a cluster is 8): chains of overlaps, in random index order.
      const base = Math.ceil(g.dataOffset / 512) + 8 * 64;
      for (let i = 0; i < bat.length; i += 1 + Math.floor(random() * 4)) bat[i] = base + 1 + Math.floor(random() * 60) * 2;
      const want = new Map<number, number>();
      for (let k = 0; k < bat.length; k++) {
        if (bat[k] === 0) continue;
        let earliest = k;
        for (let j = 0; j < bat.length; j++) if (bat[j] !== 0 && Math.abs(bat[j] - bat[k]) < 8 && j < earliest) earliest = j;
        if (earliest < k) want.set(k, earliest);
      }
      assert.deepEqual(duplicatePeers(g, bat), want, `round ${round}`);
    }
  });

  it('100,000 entries of one misaligned value: one linear pass after the sort (pairwise it was 5 * 10^9 marks)', () => {
    const g = legacy(100_000);
    const bat = new Uint32Array(g.batEntries).fill(Math.ceil(g.dataOffset / 512) + 8 * 64 + 3);
    const peers = duplicatePeers(g, bat);
    assert.equal(peers.size, bat.length - 1);
    assert.ok(
      [...peers.values()].every((p) => p === 0),
      'every later entry overlaps entry 0 first',
    );
  });
});

describe('BAT scan work', () => {
  /** An ext image of `entries` entries with every entry allocated in order, and a counting second pass. */
  function dense(entries: number): { g: Geometry; bat: Uint32Array } {
    const clusterSize = 4096;
    const layout = createLayout({ size: entries * clusterSize, clusterSize, legacy: false });
    const first = layout.fileSize / clusterSize;
    const bat = Uint32Array.from({ length: layout.batEntries }, (_, i) => first + i);
    const bytes = new Uint8Array(layout.fileSize + layout.batEntries * clusterSize);
    bytes.set(layout.header);
    bytes.set(new Uint8Array(bat.buffer), 64);
    return { g: decodeImage(new BufferSource(bytes)).geometry!, bat };
  }

  function scanCounting(g: Geometry, bat: Uint32Array): { passes: number; entriesVisited: number; scan: ReturnType<BatScanner['finish']> } {
    const scanner = new BatScanner(g);
    for (let from = 0; from < bat.length; from += 1000) scanner.feed(bat.slice(from, from + 1000), from);
    let passes = 0;
    let entriesVisited = 0;
    const scan = scanner.finish([], (visit) => {
      passes++;
      for (let from = 0; from < bat.length; from += 1000) {
        entriesVisited += Math.min(1000, bat.length - from);
        if (visit(bat.slice(from, from + 1000), from) === false) return;
      }
    });
    return { passes, entriesVisited, scan };
  }

  it('reads a BAT without duplicates once (no second pass)', () => {
    const { g, bat } = dense(20000);
    const { passes, scan } = scanCounting(g, bat);
    assert.equal(passes, 0);
    assert.equal(scan.problemCount, 0);
    assert.equal(scan.allocated, bat.length);
  });

  it("finds duplicates' first owners in one more pass, which stops past the last duplicate", () => {
    const { g, bat } = dense(20000);
    bat[9000] = bat[100];
    bat[9500] = bat[4000];
    const { passes, entriesVisited, scan } = scanCounting(g, bat);
    assert.equal(passes, 1);
    assert.ok(entriesVisited <= 10000, `visited ${entriesVisited} entries of ${bat.length}`);
    assert.deepEqual([...scan.problemIndex], [9000, 9500]);
    assert.deepEqual([...scan.problemPeer], [100, 4000]);
  });

  // The second pass's filter has 64 Ki buckets: with few wanted slots its loop branches on the filter, with many
  // (a quarter of the buckets here) it does not. Both find every first owner, scattered in random order.
  for (const duplicates of [50, 16384]) {
    it(`finds the first owners of ${duplicates} duplicates in a scattered BAT`, () => {
      const { g, bat } = dense(3 * 16384);
      const random = rng(duplicates);
      for (let i = bat.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [bat[i], bat[j]] = [bat[j], bat[i]];
      }
      for (let k = 0; k < duplicates; k++) bat[2 * 16384 + k] = bat[Math.floor(random() * 2 * 16384)];
      const ref = reference(g, bat);
      const { passes, scan } = scanCounting(g, bat);
      assert.equal(passes, 1);
      assert.equal(scan.problemCount, ref.peers.size);
      for (let k = 0; k < scan.problemCount; k++)
        assert.equal(scan.problemPeer[k], ref.peers.get(scan.problemIndex[k]), `peer of entry ${scan.problemIndex[k]}`);
    });
  }
});
