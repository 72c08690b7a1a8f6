/**
 * The work of reading a bundle's guest disk and of checking its snapshot tree, counted (BAT entries looked at,
 * places looked up, parent links followed), never timed: a header may claim 2^31 clusters over a ten-entry BAT,
 * and a descriptor may hold thousands of snapshots, and the language server answers on its only thread.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageOf, openBundle } from '../../shared/bundle/bundle';
import { ChainSource, type ChainRun } from '../../shared/bundle/chainSource';
import { parseDescriptor } from '../../shared/bundle/descriptor';
import { type ChainProblemStats, chainProblems, snapshotTree } from '../../shared/bundle/snapshots';
import { type BundleSpec, NULL, TOP, buildBundle, descriptorText } from '../fixtures/bundles/build';
import { ImageBytes } from '../fixtures/imageBytes';
import { qemuMap } from '../fixtures/qemu';
import { qemu72 } from '../oracles';

const KiB = 1024;
const MiB = 1024 * KiB;
const BASE = '{a0000000-0000-4000-8000-000000000001}';

function allRuns(chain: ChainSource): ChainRun[] {
  return [...chain.runs()];
}

/** The data runs as qemu-img map reports them: guest start, length, host offset. */
function dataRuns(runs: ChainRun[]): Array<{ start: number; length: number; offset?: number }> {
  return runs.filter((r) => r.layer).map((r) => ({ start: r.start, length: r.length, offset: r.hostOffset }));
}

function oneImage(name: string, clusterSize: number, sectors: number, writes: Array<[number, number]>): BundleSpec {
  return {
    name,
    path: `${name}.hdd`,
    style: 'ploop',
    clusterSize,
    storages: [{ sectors, images: [{ guid: TOP, file: `${name}.hds`, writes }] }],
    shots: [{ guid: TOP, parent: NULL }],
    topGuid: TOP,
  };
}

describe('bundle reading work is bounded by the BAT, not by the guest clusters', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'hdd-lens-bundle-work-'));
  });

  it('a header claiming 2^20 clusters of 512 bytes over a ten-entry BAT: one run, a few lookups', async () => {
    const sectors = 2 ** 20;
    const spec = oneImage('claims', 512, sectors, []);
    spec.storages[0].images[0].sectors = 20480;
    spec.storages[0].images[0].clusterSize = MiB;
    const dir = await buildBundle(spec, root);
    // As the reviewer's image: qemu-img's 10 MiB image, then tracks = 1 and nb_sectors far past what the BAT maps.
    const path = join(dir, 'claims.hds');
    const bytes = new ImageBytes(await readFile(path)).setHeader('tracks', 1).setHeader('nbSectors', sectors);
    await writeFile(path, bytes.bytes);
    const chain = ChainSource.open(openBundle(dir));
    try {
      assert.deepEqual(
        allRuns(chain).map((r) => [r.start, r.length, r.layer]),
        [[0, sectors * 512, undefined]],
      );
      assert.ok(chain.lookups <= 2, `${chain.lookups} lookups for one run (one per guest cluster would be ${sectors})`);
      assert.ok(chain.batEntriesRead <= 10, `${chain.batEntriesRead} BAT entries read of 10`);
      const before = chain.lookups;
      assert.ok(chain.read(sectors * 256, MiB).every((b) => b === 0));
      assert.equal(chain.lookups - before, 1, 'a 1 MiB read past the BAT is one place');
    } finally {
      chain.close();
    }
  });

  it('a sparse image of 512-byte clusters: one lookup per span of the BAT, the runs qemu-img maps', async () => {
    const sectors = 2 ** 17;
    // Clusters 5-7 written together are host-contiguous; 100000 and 3 come after them in the file.
    const dir = await buildBundle(
      oneImage('sparse', 512, sectors, [
        [5, 0x15],
        [6, 0x16],
        [7, 0x17],
        [100000, 0x20],
        [3, 0x13],
      ]),
      root,
    );
    const chain = ChainSource.open(openBundle(dir));
    try {
      const runs = allRuns(chain);
      assert.ok(chain.lookups <= runs.length + 1, `${chain.lookups} lookups for ${runs.length} runs (one per guest cluster would be ${sectors})`);
      assert.ok(chain.batEntriesRead <= sectors + 1, `${chain.batEntriesRead} BAT entries read of ${sectors}`);
      const theirs = (await qemuMap(qemu72(), join(dir, 'sparse.hds')))
        .filter((e) => e.data)
        .map((e) => ({ start: e.start, length: e.length, offset: e.offset }));
      assert.deepEqual(dataRuns(runs), theirs);
      assert.deepEqual(
        [...chain.read(5 * 512 - 1, 3 * 512 + 2)],
        [0, ...Array<number>(512).fill(0x15), ...Array<number>(512).fill(0x16), ...Array<number>(512).fill(0x17), 0],
      );
    } finally {
      chain.close();
    }
  });

  it('the guest disk reuses the BAT the bundle read (one copy in memory), and reads it again once the file changed', async () => {
    const dir = await buildBundle(oneImage('reuse', 512, 2 ** 12, [[5, 0x15]]), root);
    const first = openBundle(dir);
    const chain = ChainSource.open(first);
    try {
      assert.equal(chain.storages[0].layers[0].image, imageOf(first, 0, TOP)?.decoded, "the layer holds the bundle's decoded BAT");
    } finally {
      chain.close();
    }
    const second = openBundle(dir);
    // Written after the bundle was read (cluster 5 unmapped): the layer must see the file as it is now.
    const path = join(dir, 'reuse.hds');
    const bytes = new ImageBytes(await readFile(path)).setBatEntry(5, 0);
    await writeFile(path, bytes.bytes);
    const again = ChainSource.open(second);
    try {
      assert.notEqual(again.storages[0].layers[0].image, imageOf(second, 0, TOP)?.decoded);
      assert.deepEqual(dataRuns(allRuns(again)), []);
    } finally {
      again.close();
    }
  });

  it('a chain whose top is one long hole over a scattered base reads each BAT entry once', async () => {
    const clusters = 4096;
    // The base's clusters written from the end down: host order reversed, so every cluster is its own run.
    const writes = Array.from({ length: 64 }, (_, i): [number, number] => [63 - i, 1 + i]);
    const spec: BundleSpec = {
      name: 'scattered',
      path: 'scattered.hdd',
      style: 'ploop',
      clusterSize: 4 * KiB,
      storages: [
        {
          sectors: clusters * 8,
          images: [
            { guid: BASE, file: 'scattered.hds', writes },
            { guid: TOP, file: 'scattered.hds.top', writes: [[clusters - 1, 0x77]] },
          ],
        },
      ],
      shots: [
        { guid: BASE, parent: NULL },
        { guid: TOP, parent: BASE },
      ],
      topGuid: TOP,
    };
    const chain = ChainSource.open(openBundle(await buildBundle(spec, root)));
    try {
      const runs = allRuns(chain);
      assert.equal(runs.filter((r) => r.layer).length, 65);
      assert.ok(chain.lookups <= runs.length + 1, `${chain.lookups} lookups for ${runs.length} runs`);
      // Rescanning the top's hole at every base cluster would read 64 x 4096 entries.
      assert.ok(chain.batEntriesRead <= 2 * clusters + runs.length, `${chain.batEntriesRead} BAT entries read of 2 x ${clusters}`);
    } finally {
      chain.close();
    }
  });
});

describe('chain problems of a large snapshot tree: one pass', () => {
  const N = 4000;
  const guidOf = (i: number): string => `{${i.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000}`;

  function treeOf(parents: (i: number) => string): ReturnType<typeof snapshotTree> {
    const shots = Array.from({ length: N }, (_, i) => ({ guid: guidOf(i), parent: parents(i) }));
    const spec: BundleSpec = { name: 'many', path: 'many.hdd', style: 'ploop', clusterSize: MiB, storages: [{ sectors: 2048, images: [] }], shots };
    const d = parseDescriptor(descriptorText(spec)).descriptor;
    assert.ok(d);
    return snapshotTree(d);
  }

  it(`a cycle through ${N} snapshots: one finding, each parent link followed about once`, () => {
    const stats: ChainProblemStats = { steps: 0 };
    const problems = chainProblems(
      treeOf((i) => guidOf((i + 1) % N)),
      stats,
    );
    assert.deepEqual(problems, [{ kind: 'cycle', guid: guidOf(0) }]);
    assert.ok(stats.steps <= 2 * N + 1, `${stats.steps} steps for ${N} snapshots`);
  });

  it(`a straight chain of ${N} snapshots with a dangling root: one finding, linear steps`, () => {
    const stats: ChainProblemStats = { steps: 0 };
    const missing = '{ffffffff-0000-4000-8000-000000000000}';
    const problems = chainProblems(
      treeOf((i) => (i === 0 ? missing : guidOf(i - 1))),
      stats,
    );
    assert.deepEqual(problems, [{ kind: 'dangling', guid: guidOf(0), parent: missing }]);
    assert.ok(stats.steps <= 2 * N + 1, `${stats.steps} steps for ${N} snapshots`);
  });

  it('two cycles and a dangling branch are each found once, whichever snapshot a walk starts at', () => {
    // 0..9 a cycle, 10..19 a cycle entered from 20..29, 30..3999 a chain to a missing parent; the leaves 29 and
    // 3999 are walked first, so their problems come first (as the walk from every snapshot has always reported).
    const missing = '{ffffffff-0000-4000-8000-000000000000}';
    const problems = chainProblems(
      treeOf((i) =>
        i < 10 ? guidOf((i + 1) % 10) : i < 20 ? guidOf(10 + ((i + 1) % 10)) : i < 30 ? guidOf(i === 20 ? 10 : i - 1) : i === 30 ? missing : guidOf(i - 1),
      ),
    );
    assert.deepEqual(problems, [
      { kind: 'cycle', guid: guidOf(10) },
      { kind: 'dangling', guid: guidOf(30), parent: missing },
      { kind: 'cycle', guid: guidOf(0) },
    ]);
  });
});
