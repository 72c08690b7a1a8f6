/**
 * The bundle readers against the oracles: qemu-img 7.2 and 10 read a chain given as backing files
 * (json:{"driver":"parallels",...,"backing":{...}}), one storage at a time; ploop 1.15 parses descriptors
 * (snapshot-list) and checks ploop chains (check, on scratch copies: it writes).
 */
import { strict as assert } from 'node:assert';
import { cp, mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { openBundle } from '../../shared/bundle/bundle';
import { ChainSource } from '../../shared/bundle/chainSource';
import { convertSyncCalls, hdd } from '../cli/helpers';
import { fileDifference } from '../differential/cli';
import { straceAvailable } from '../crash/writeSafety';
import { ALL_BUNDLES, type BundleFixture, CLEAN, TOP, TWO_DISKS, chainOf, qemuChainName, sharedBundles } from '../fixtures/bundles';
import { run, runOk } from '../fixtures/qemu';
import { ORACLES } from '../oracles';

const PLOOP = '/usr/sbin/ploop';
/** Disks up to this size are also converted whole by qemu-img and compared as buffers. */
const SMALL = 64 * 1024 * 1024;

async function dirOf(name: string): Promise<string> {
  const dir = (await sharedBundles()).dirs.get(name);
  if (!dir) throw new Error(`no bundle fixture ${name}`);
  return dir;
}

let scratch: Promise<string> | undefined;
function scratchDir(): Promise<string> {
  scratch ??= mkdtemp(join(tmpdir(), 'hdd-lens-bundle-oracles-'));
  return scratch;
}

function topOf(f: BundleFixture): string {
  return f.spec.topGuid ?? TOP;
}

/** Storage k of a raw file as a qemu node: the raw driver with an offset and a size. */
function rawSlice(path: string, offset: number, size: number): string {
  return `json:${JSON.stringify({ driver: 'raw', offset, size, file: { driver: 'file', filename: path } })}`;
}

/** Converts with hdd-lens, then compares every storage with each qemu-img reading the chain. */
async function convertAndCompare(f: BundleFixture, snapshot?: string): Promise<void> {
  const dir = await dirOf(f.spec.name);
  const out = join(await scratchDir(), `${f.spec.name}-${snapshot ?? 'top'}.raw`);
  const r = await hdd(['convert', dir, out, ...(snapshot ? ['--snapshot', snapshot] : [])]);
  assert.equal(r.code, 0, r.stderr);
  const total = f.spec.storages.reduce((n, s) => n + s.sectors * 512, 0);
  assert.equal((await stat(out)).size, total);
  let start = 0;
  for (const [k, s] of f.spec.storages.entries()) {
    const size = s.sectors * 512;
    const chain = qemuChainName(dir, f.spec, k, snapshot ?? topOf(f));
    for (const o of ORACLES) {
      const q = o.get();
      const cmp = await run(q.img, ['compare', '-q', rawSlice(out, start, size), chain]);
      assert.equal(cmp.code, 0, `${f.spec.name} storage ${k}: qemu-img ${q.version} compare: ${cmp.stdout}${cmp.stderr}`);
      if (total <= SMALL) {
        const theirs = join(await scratchDir(), `${f.spec.name}-${k}-${q.version}.raw`);
        await runOk(q.img, ['convert', '-O', 'raw', chain, theirs]);
        assert.ok(
          (await readFile(theirs)).equals((await readFile(out)).subarray(start, start + size)),
          `${f.spec.name} storage ${k}: bytes differ from qemu-img ${q.version}`,
        );
      }
    }
    start += size;
  }
}

describe('bundle oracles: qemu-img reading the chain as backing files', function () {
  this.timeout(600000);
  before(() => sharedBundles());

  for (const f of CLEAN) {
    it(`${f.spec.name}: convert equals qemu-img 7.2 and 10, storage by storage`, () => convertAndCompare(f));
  }

  it('inactive-branch: --snapshot converts the inactive branch, as qemu-img reads that chain', () =>
    convertAndCompare(CLEAN.find((f) => f.spec.name === 'inactive-branch') as BundleFixture, '{66666666-7777-4888-9999-aaaaaaaaaaaa}'));

  it('--no-sync converts a bundle to the same bytes and syncs nothing', async function () {
    if (!straceAvailable()) this.skip();
    const dir = await dirOf(CLEAN[0].spec.name);
    const synced = join(await scratchDir(), 'synced.raw');
    const unsynced = join(await scratchDir(), 'unsynced.raw');
    assert.deepEqual(await convertSyncCalls(dir, synced), ['fsync', 'fsync'], 'the file, then its folder');
    assert.deepEqual(await convertSyncCalls(dir, unsynced, ['--no-sync']), []);
    assert.equal(await fileDifference(unsynced, synced), undefined);
  });

  it('the merged guest content is what the examples README says', async () => {
    for (const f of CLEAN) {
      const chain = ChainSource.open(openBundle(await dirOf(f.spec.name)));
      try {
        const cs = f.spec.clusterSize;
        for (const [c, fill] of Object.entries(f.content ?? {})) assert.equal(chain.read(Number(c) * cs, 1)[0], fill, `${f.spec.name} cluster ${c}`);
        const empty = [...Array(64).keys()].find((c) => !(c in (f.content ?? {})) && c * cs < chain.size) as number;
        assert.ok(
          chain.read(empty * cs, cs).every((b) => b === 0),
          `${f.spec.name} cluster ${empty} reads as zeros`,
        );
      } finally {
        chain.close();
      }
    }
  });

  it('guestToHost names the image and host offset that serve a guest offset', async () => {
    const f = CLEAN.find((x) => x.spec.name === 'grown-disk') as BundleFixture;
    const chain = ChainSource.open(openBundle(await dirOf(f.spec.name)));
    try {
      // Guest cluster 7 comes from the base (only its second write: host slot 2), 1 from the middle image.
      const at7 = chain.guestToHost(7 * 65536 + 100);
      assert.equal(at7?.layer?.path, join(await dirOf(f.spec.name), 'grown.hds'));
      assert.equal(at7?.hostOffset, 65536 + 100);
      assert.equal(at7?.depth, 2);
      assert.equal(chain.guestToHost(65536)?.layer?.path, join(await dirOf(f.spec.name), 'grown.hds.mid'));
      const hole = chain.guestToHost(20 * 65536);
      assert.equal(hole?.layer, undefined);
      assert.equal(hole?.depth, 0, 'past the middle image the hole belongs to the top, as qemu-img map says');
      assert.equal(chain.guestToHost(chain.size), undefined);
    } finally {
      chain.close();
    }
  });

  for (const f of CLEAN.filter((x) => !x.spec.storages.some((s) => s.images.some((i) => i.raw)))) {
    it(`${f.spec.name}: map --json equals qemu-img map of the chain (10 and 7.2), storage by storage`, async () => {
      const dir = await dirOf(f.spec.name);
      const ours = JSON.parse((await hdd(['map', '--json', dir])).stdout) as Array<Record<string, unknown> & { storage: number; start: number }>;
      let start = 0;
      for (const [k, s] of f.spec.storages.entries()) {
        const mine = ours.filter((e) => e.storage === k).map(({ file: _file, storage: _storage, ...e }) => ({ ...e, start: e.start - start }));
        for (const o of ORACLES) {
          const theirs = JSON.parse((await runOk(o.get().img, ['map', '--output=json', qemuChainName(dir, f.spec, k, topOf(f))])).stdout) as Array<
            Record<string, unknown>
          >;
          const strip = (e: Record<string, unknown>): Record<string, unknown> =>
            'compressed' in theirs[0] ? e : Object.fromEntries(Object.entries(e).filter(([key]) => key !== 'compressed'));
          assert.deepEqual(mine.map(strip), theirs, `${f.spec.name} storage ${k}, qemu-img ${o.get().version}`);
        }
        start += s.sectors * 512;
      }
    });
  }

  it('map without --json prints the table qemu-img map prints for the chain', async () => {
    const f = CLEAN.find((x) => x.spec.name === 'deep-chain') as BundleFixture;
    const dir = await dirOf(f.spec.name);
    const ours = await hdd(['map', dir]);
    for (const o of ORACLES) assert.equal(ours.stdout, (await runOk(o.get().img, ['map', qemuChainName(dir, f.spec, 0, TOP)])).stdout, o.get().version);
  });

  it('a VM folder with two disks converts into a folder, one raw file per disk', async () => {
    const vm = dirname(await dirOf(TWO_DISKS[0].spec.name));
    const out = await mkdtemp(join(await scratchDir(), 'vm-'));
    const r = await hdd(['convert', vm, out]);
    assert.equal(r.code, 0, r.stderr);
    for (const [n, name] of ['harddisk.raw', 'harddisk1.raw'].entries()) {
      const data = await readFile(join(out, name));
      for (const [c, fill] of Object.entries(TWO_DISKS[n].content ?? {})) assert.equal(data[Number(c) * 65536], fill, `${name} cluster ${c}`);
    }
    assert.equal((await hdd(['convert', vm, join(out, 'one.raw')])).code, 1, 'several disks need a folder');
  });
});

/** `ploop snapshot-list` rows: parent, current marker, GUID, file. */
function ploopRows(stdout: string): Array<{ parent: string; current: boolean; guid: string; file: string }> {
  return stdout
    .split('\n')
    .slice(1)
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const m = /^(\{[^}]+\})\s+(\*?)\s*(\{[^}]+\})\s+(.*)$/.exec(l);
      if (!m) throw new Error(`unexpected ploop snapshot-list line: ${l}`);
      return { parent: m[1], current: m[2] === '*', guid: m[3], file: m[4].trim() };
    });
}

describe('bundle oracles: ploop', function () {
  this.timeout(300000);
  before(() => sharedBundles());

  for (const f of CLEAN.filter((x) => x.ploop)) {
    it(`${f.spec.name}: ploop snapshot-list lists our snapshot tree, files and top`, async () => {
      const dir = await dirOf(f.spec.name);
      const rows = ploopRows((await runOk(PLOOP, ['snapshot-list', join(dir, 'DiskDescriptor.xml')])).stdout);
      const b = openBundle(dir);
      const ours = [...b.tree.byGuid.values()].map((s) => ({
        parent: s.parent ?? '{00000000-0000-0000-0000-000000000000}',
        current: s.guid === b.top.guid,
        guid: s.guid,
        file: b.images[0].get(s.guid)?.file?.given ?? '',
      }));
      const key = (r: { guid: string }): string => r.guid;
      assert.deepEqual(
        [...rows].sort((x, y) => key(x).localeCompare(key(y))),
        [...ours].sort((x, y) => key(x).localeCompare(key(y))),
      );
      assert.deepEqual(chainOf(f.spec, topOf(f)), b.chain.guids);
    });
  }

  const refusedByPloop = [
    'blocksize-invalid',
    'element-missing',
    'guid-duplicate',
    'guid-invalid',
    'image-missing',
    'top-guessed',
    'top-unresolved',
    'xml-malformed',
  ];
  it('where ploop refuses a descriptor, hdd-lens reports an error (or the guessed top ploop would not guess)', async () => {
    for (const name of refusedByPloop) {
      const dir = await dirOf(name);
      assert.notEqual((await run(PLOOP, ['snapshot-list', join(dir, 'DiskDescriptor.xml')])).code, 0, `ploop accepts ${name}`);
      const r = await hdd(['check', dir]);
      assert.ok(r.code !== 0 || name === 'top-guessed', `${name}: hdd-lens exit ${r.code}`);
    }
  });

  // ploop check writes (it fills sparse holes and may drop in_use): it runs on scratch copies of small bundles.
  const checked: Array<[string, boolean]> = [
    ['deep-chain', true],
    ['grown-disk', true],
    ['blocksize-mismatch', false],
    ['chain-cycle', false],
    ['chain-dangling', false],
    ['lower-in-use', false],
    ['file-missing', false],
    ['version-mixed', true],
    ['lower-image-larger', true],
  ];
  for (const [name, ploopOk] of checked) {
    it(`${name}: ploop check ${ploopOk ? 'passes' : 'fails'}, and hdd-lens ${ploopOk ? 'finds no error' : 'finds an error'}`, async () => {
      const f = ALL_BUNDLES.find((x) => x.spec.name === name) as BundleFixture;
      const copy = join(await mkdtemp(join(await scratchDir(), 'ploop-')), 'b');
      await cp(await dirOf(name), copy, { recursive: true });
      const p = await run(PLOOP, ['check', join(copy, 'DiskDescriptor.xml')]);
      assert.equal(p.code === 0, ploopOk, `ploop check exit ${p.code}: ${p.stderr}`);
      const ours = await hdd(['check', await dirOf(name)]);
      assert.equal(ours.code === 0, ploopOk, `hdd-lens check exit ${ours.code} for ${f.codes.join(', ')}`);
    });
  }
});
