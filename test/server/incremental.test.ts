import { strict as assert } from 'node:assert';
import { scanBat } from '../../shared/check/batScan';
import { ClusterIndex } from '../../shared/check/clusterIndex';
import { IncrementalBatScan, applyBatPatches } from '../../shared/check/incremental';
import { metadataRanges } from '../../shared/check/metadata';
import { BAT_OFFSET, MAGIC_EXT, MAGIC_LEGACY } from '../../shared/format/constants';
import { decodeImage } from '../../shared/format/image';
import { u32Bytes } from '../../shared/format/le';
import { BufferSource } from '../../shared/io/byteSource';
import { OverlaySource } from '../../shared/io/overlaySource';
import { checkImage } from '../../shared/engine/check';
import { AnalysisRunner } from '../../server/analysisRunner';
import { WorkerClient } from '../../server/workerClient';
import { ImageBytes } from '../fixtures/imageBytes';

/** A deterministic pseudo-random sequence, so a failure names the seed that reproduces it. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 0x100000000;
  };
}

/** An image of 200 BAT entries and `clusters` data clusters, with entries drawn to collide often (dense) or not. */
function randomImage(seed: number, variant: 'ext' | 'legacy', clusters = 60, zeroShare = 0.3): ImageBytes {
  const r = rng(seed);
  const cluster = 4096;
  const entries = 200;
  const dataOff = Math.ceil((BAT_OFFSET + entries * 4) / cluster) * cluster;
  const img = new ImageBytes(Buffer.alloc(dataOff + clusters * cluster));
  img
    .setMagic(variant === 'ext' ? MAGIC_EXT : MAGIC_LEGACY)
    .setHeader('version', 2)
    .setHeader('tracks', cluster / 512);
  img
    .setHeader('batEntries', entries)
    .setHeader('nbSectors', ((entries - 10) * cluster) / 512)
    .setHeader('dataOff', dataOff / 512);
  for (let i = 0; i < entries; i++) img.setBatEntry(i, randomValue(r, img, dataOff, clusters, zeroShare));
  return img;
}

/** Cluster-aligned values inside the file, some past its end, a share of zeros. */
function randomValue(r: () => number, img: ImageBytes, dataOff: number, clusters: number, zeroShare = 0.3): number {
  const x = r();
  if (x < zeroShare) return 0;
  const slot = Math.floor(r() * (clusters + 6));
  return img.entryFor(dataOff + slot * img.clusterSize);
}

function expectSameScan(source: OverlaySource, actual: ReturnType<IncrementalBatScan['apply']>, why: string): void {
  const image = decodeImage(source);
  const g = image.geometry;
  assert.ok(g && image.bat);
  const expected = scanBat(g, image.bat, metadataRanges(image));
  assert.ok(actual, `${why}: incremental update refused`);
  assert.deepEqual(
    { ...actual, problemIndex: [...actual.problemIndex], problemFlags: [...actual.problemFlags], problemPeer: [...actual.problemPeer] },
    { ...expected, problemIndex: [...expected.problemIndex], problemFlags: [...expected.problemFlags], problemPeer: [...expected.problemPeer] },
    why,
  );
}

describe('incremental BAT scan', () => {
  for (const [variant, clusters, zeroShare] of [
    ['ext', 60, 0.3],
    ['legacy', 60, 0.3],
    ['ext', 400, 0.7],
  ] as const) {
    it(`matches a full scan after every random BAT edit (${variant}, ${clusters} clusters, ${zeroShare * 100}% zeros)`, () => {
      for (let seed = 1; seed <= 12; seed++) {
        const img = randomImage(seed, variant, clusters, zeroShare);
        const source = new OverlaySource(new BufferSource(img.bytes));
        const image = decodeImage(source);
        const g = image.geometry;
        assert.ok(g && image.bat);
        const metadata = metadataRanges(image);
        const index = ClusterIndex.build(g, image.bat);
        assert.ok(index);
        const inc = new IncrementalBatScan(g, image.bat, metadata, index, scanBat(g, image.bat, metadata));
        const r = rng(seed * 7919);
        for (let step = 0; step < 40; step++) {
          const patches = [];
          const n = 1 + Math.floor(r() * 3);
          for (let k = 0; k < n; k++) {
            const i = Math.floor(r() * g.batEntries);
            patches.push({ offset: BAT_OFFSET + i * 4, data: u32Bytes(randomValue(r, img, g.dataOffset, clusters, zeroShare)) });
          }
          for (const p of patches) source.write(p.offset, p.data);
          const changes = applyBatPatches(image.bat, patches, metadata, (i) => new DataView(source.read(BAT_OFFSET + i * 4, 4).buffer).getUint32(0, true));
          assert.ok(changes);
          expectSameScan(source, inc.apply(changes), `seed ${seed} step ${step}`);
        }
      }
    });
  }

  it('refuses edits that reach outside the BAT', () => {
    const img = randomImage(3, 'ext');
    const bat = decodeImage(new BufferSource(img.bytes)).bat ?? new Uint32Array(0);
    assert.equal(
      applyBatPatches(bat, [{ offset: 60, data: new Uint8Array(8) }], [], () => 0),
      undefined,
    );
    assert.equal(
      applyBatPatches(bat, [{ offset: BAT_OFFSET + bat.length * 4 - 2, data: new Uint8Array(4) }], [], () => 0),
      undefined,
    );
  });

  it('refuses to follow an edit that makes an entry irregular', () => {
    const img = randomImage(5, 'legacy');
    const source = new OverlaySource(new BufferSource(img.bytes));
    const image = decodeImage(source);
    const g = image.geometry;
    assert.ok(g && image.bat);
    const index = ClusterIndex.build(g, image.bat);
    assert.ok(index);
    const inc = new IncrementalBatScan(g, image.bat, [], index, scanBat(g, image.bat, []));
    const patch = { offset: BAT_OFFSET, data: u32Bytes(g.dataOffset / 512 + 3) };
    source.write(patch.offset, patch.data);
    const changes = applyBatPatches(image.bat, [patch], [], () => g.dataOffset / 512 + 3);
    assert.ok(changes);
    assert.equal(inc.apply(changes), undefined);
  });
});

describe('server analyzer follows BAT edits', () => {
  it('updates a checked state without a new scan, with the findings a full check gives', async () => {
    const img = randomImage(11, 'ext');
    const source = new OverlaySource(new BufferSource(img.bytes));
    const analyzer = new AnalysisRunner(new WorkerClient(''), 1 << 20);
    let { analysis } = analyzer.analyze({ path: '<memory>', source, edits: source.edits }, 1, 1);
    const g = analysis.image.geometry;
    assert.ok(g && analysis.checked?.incremental);
    const r = rng(99);
    for (let step = 2; step < 30; step++) {
      const i = Math.floor(r() * g.batEntries);
      const patch = { offset: BAT_OFFSET + i * 4, data: u32Bytes(randomValue(r, img, g.dataOffset, 60)) };
      source.write(patch.offset, patch.data);
      const next = analyzer.followEdits(analysis, source, { patches: [patch] }, step, step);
      assert.ok(next, `step ${step}: not followed`);
      assert.deepEqual(next.checked?.findings, checkImage(source).findings, `step ${step}`);
      analysis = next;
    }
    const header = { offset: 44, data: u32Bytes(0x746f6e59) };
    source.write(header.offset, header.data);
    assert.equal(analyzer.followEdits(analysis, source, { patches: [header] }, 40, 40), undefined, 'a header edit needs a full check');
  });
});
