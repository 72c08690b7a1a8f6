import { strict as assert } from 'node:assert';
import { dirname, join } from 'node:path';
import { checkBundle } from '../../shared/ops/bundleCheck';
import { BUNDLE_RULES } from '../../shared/rules/catalogue';
import { hdd } from '../cli/helpers';
import { ALL_BUNDLES, type BundleFixture, TOP, sharedBundles } from '../fixtures/bundles';

async function dirOf(name: string): Promise<string> {
  const dir = (await sharedBundles()).dirs.get(name);
  if (!dir) throw new Error(`no bundle fixture ${name}`);
  return dir;
}

function fixture(name: string): BundleFixture {
  const f = ALL_BUNDLES.find((x) => x.spec.name === name);
  if (!f) throw new Error(`no bundle fixture ${name}`);
  return f;
}

interface JsonFinding {
  code: string;
  file: string;
  line?: number;
  column?: number;
  offset: number;
}

describe('bundle check', function () {
  this.timeout(120000);
  before(() => sharedBundles());

  it('every bundle rule has a broken fixture that shows it', () => {
    const shown = new Set(ALL_BUNDLES.flatMap((f) => f.codes));
    assert.deepEqual(
      BUNDLE_RULES.map((r) => r.code).filter((c) => !shown.has(c)),
      [],
    );
  });

  for (const f of ALL_BUNDLES) {
    it(`${f.spec.name}: reports exactly ${f.codes.length === 0 ? 'nothing' : f.codes.join(', ')}`, async () => {
      const got = checkBundle(await dirOf(f.spec.name))
        .report.findings.map((x) => x.code)
        .sort();
      assert.deepEqual(got, f.codes);
    });
  }

  it('descriptor findings name DiskDescriptor.xml:LINE:COL of the element at fault; image findings the image and offset', async () => {
    const r = await hdd(['check', await dirOf('disk-size-mismatch')]);
    assert.equal(r.code, 2);
    assert.match(
      r.stdout,
      /^ERROR \[descriptor-disk-size-mismatch\] DiskDescriptor\.xml:4:9: Disk_size is 4096 sectors, but the last storage ends at sector 2048$/m,
    );
    assert.match(r.stdout, /^ {4}fix \(-r all\): set Disk_size/m);
    const lower = await hdd(['check', await dirOf('lower-in-use')]);
    assert.equal(lower.code, 2);
    assert.match(lower.stdout, /^ERROR \[bundle-lower-in-use\] d\.hdd\.0\.\{11111111-2222-4333-8444-555555555555\}\.hds \(at offset 44\): /m);
    assert.match(lower.stdout, /^ERROR \[image-unclean\] d\.hdd\.0\.\{11111111-2222-4333-8444-555555555555\}\.hds \(at offset 44\): /m);
  });

  it('exit status as for images: 0 clean or warnings only, 2 errors, 1 when the descriptor does not parse', async () => {
    const want: Record<string, number> = {
      'deep-chain': 0,
      'orphan-file': 0,
      'b-ploop-one-snapshot': 2,
      'chain-cycle': 2,
      'xml-malformed': 1,
      'a-parallels-desktop-two-snapshots': 0,
    };
    for (const [name, code] of Object.entries(want)) assert.equal((await hdd(['check', await dirOf(name)])).code, code, name);
  });

  it('accepts the bundle folder, its DiskDescriptor.xml and the VM folder (every disk in it)', async () => {
    const a = await dirOf('a-parallels-desktop-two-snapshots');
    const byDescriptor = JSON.parse((await hdd(['check', '--json', join(a, 'DiskDescriptor.xml')])).stdout) as { filename: string };
    assert.equal(byDescriptor.filename, a);
    const vm = dirname(await dirOf('vm-disk-1'));
    const r = await hdd(['check', '--json', vm]);
    assert.equal(r.code, 0);
    const report = JSON.parse(r.stdout) as { format: string; disks: Array<{ filename: string }> };
    assert.equal(report.format, 'parallels-vm');
    assert.deepEqual(
      report.disks.map((d) => d.filename),
      [join(vm, 'harddisk.hdd'), join(vm, 'harddisk1.hdd')],
    );
  });

  it('--json: the bundle (disk, storages, snapshots with parent, file, active, header summary, allocation) and per-finding file/line/column', async () => {
    const dir = await dirOf('inactive-branch');
    const r = JSON.parse((await hdd(['check', '--json', dir])).stdout) as {
      format: string;
      bundle: {
        disk: { size: number };
        storages: unknown[];
        top: { guid: string; how: string };
        activeChain: string[];
        snapshots: Array<{
          guid: string;
          parent: string | null;
          active: boolean;
          images: Array<{ file: string; version: string; clusterSize: number; allocatedClusters: number; inUseTag: string | null }>;
        }>;
      };
      images: unknown[];
    };
    assert.equal(r.format, 'parallels-bundle');
    assert.equal(r.bundle.disk.size, 1024 * 1024);
    assert.equal(r.bundle.storages.length, 1);
    assert.deepEqual(r.bundle.top, { guid: TOP, how: 'predefined', reason: null });
    const spec = fixture('inactive-branch').spec;
    assert.deepEqual(
      r.bundle.snapshots.map((s) => [
        s.guid,
        s.parent,
        s.active,
        s.images[0].file,
        s.images[0].version,
        s.images[0].clusterSize,
        s.images[0].allocatedClusters,
      ]),
      spec.shots.map((s) => {
        const img = spec.storages[0].images.find((i) => i.guid === s.guid);
        return [s.guid, s.parent.startsWith('{0000') ? null : s.parent, r.bundle.activeChain.includes(s.guid), img?.file, 'v1', 65536, img?.writes.length];
      }),
    );
    assert.equal(r.bundle.snapshots.find((s) => !s.active)?.guid, '{66666666-7777-4888-9999-aaaaaaaaaaaa}');
    assert.equal(r.images.length, 4);
    const broken = JSON.parse((await hdd(['check', '--json', await dirOf('chs-mismatch')])).stdout) as { findings: JsonFinding[] };
    assert.deepEqual(
      broken.findings.map((f) => [f.code, f.line, f.column]),
      [['descriptor-chs-mismatch', 5, 9]],
    );
    assert.ok(broken.findings[0].file.endsWith('DiskDescriptor.xml'));
  });

  it('an image file is checked as before: its JSON has no bundle fields', async () => {
    const f = fixture('deep-chain');
    const img = join(await dirOf('deep-chain'), f.spec.storages[0].images[0].file);
    const r = JSON.parse((await hdd(['check', '--json', img])).stdout) as Record<string, unknown> & { findings: unknown[] };
    assert.equal(r.format, 'parallels');
    assert.equal('bundle' in r, false);
  });

  it('info --json: the bundle summary, and for a VM folder every disk', async () => {
    const one = JSON.parse((await hdd(['info', '--json', await dirOf('grown-disk')])).stdout) as {
      format: string;
      bundle: { activeChain: string[]; snapshots: Array<{ images: Array<{ size: number }> }> };
    };
    assert.equal(one.format, 'parallels-bundle');
    assert.deepEqual(
      one.bundle.snapshots.map((s) => s.images[0].size),
      [512 * 1024, 1024 * 1024, 2 * 1024 * 1024],
    );
    const vm = JSON.parse((await hdd(['info', '--json', dirname(await dirOf('vm-disk-1'))])).stdout) as { format: string; disks: unknown[] };
    assert.equal(vm.format, 'parallels-vm');
    assert.equal(vm.disks.length, 2);
  });

  it('info BUNDLE shows the snapshot tree with the active chain, inactive branches and each image', async () => {
    const r = await hdd(['info', await dirOf('inactive-branch')]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^top: \{5fbaabe3-6958-40ff-92a7-860e329aab41\} \(the predefined top GUID\)$/m);
    assert.match(r.stdout, /^ {2}\* \{11111111-2222-4333-8444-555555555555\}$/m);
    assert.match(r.stdout, /^ {4}- \{66666666-7777-4888-9999-aaaaaaaaaaaa\} \(inactive\)$/m);
    assert.match(r.stdout, /^ {6}> \{5fbaabe3-6958-40ff-92a7-860e329aab41\}$/m);
    assert.match(r.stdout, /\[0\] My Disk\.hdd\.0\.\{11111111-2222-4333-8444-555555555555\}\.hds: v1, cluster 64 KiB, size 1 MiB, 3 allocated clusters/);
    const a = await hdd(['info', await dirOf('a-parallels-desktop-two-snapshots')]);
    assert.match(a.stdout, /closed by Parallels Desktop \(pd22\)/);
  });
});
