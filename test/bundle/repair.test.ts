import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BundleError } from '../../shared/bundle/bundle';
import { DESCRIPTOR_TEMP } from '../../shared/bundle/bundleFiles';
import { writeDescriptor } from '../../shared/bundle/descriptorWrite';
import { hdd, setBat } from '../cli/helpers';
import { sha256 } from '../fixtures/files';
import { runOk } from '../fixtures/qemu';
import { ALL_BUNDLES, type BundleFixture, copyBundle, localName, qemuChainName } from '../fixtures/bundles';
import { qemu10 } from '../oracles';

function fixture(name: string): BundleFixture {
  const f = ALL_BUNDLES.find((x) => x.spec.name === name);
  if (!f) throw new Error(`no bundle fixture ${name}`);
  return f;
}

/** The sha256 of every image of the bundle, by file name. */
async function imageHashes(dir: string, f: BundleFixture): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const s of f.spec.storages) for (const i of s.images) if (!i.absent) out[localName(i.file)] = await sha256(join(dir, localName(i.file)));
  return out;
}

interface Report {
  findings: Array<{ code: string }>;
  repair: { descriptor: string[]; images: Array<{ file: string; steps: string[] }> };
}

describe('bundle repair', function () {
  this.timeout(120000);

  it('a Disk_size that disagrees with the storages and images: only that value changes, the old descriptor becomes .Backup', async () => {
    const f = fixture('disk-size-mismatch');
    const dir = await copyBundle(f);
    const before = readFileSync(join(dir, 'DiskDescriptor.xml'), 'utf8');
    const images = await imageHashes(dir, f);
    const r = await hdd(['check', '--json', '-r', 'all', dir]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = JSON.parse(r.stdout) as Report;
    assert.deepEqual(report.findings, []);
    assert.deepEqual(report.repair.descriptor, [
      'descriptor-disk-size-mismatch: set Disk_size to the End of the last storage (when the top images agree with it)',
    ]);
    const after = readFileSync(join(dir, 'DiskDescriptor.xml'), 'utf8');
    assert.equal(
      after,
      before.replace('<Disk_size>4096</Disk_size>', '<Disk_size>2048</Disk_size>'),
      'every other byte (unknown elements, indentation) is kept',
    );
    assert.equal(readFileSync(join(dir, 'DiskDescriptor.xml.Backup'), 'utf8'), before);
    assert.equal(existsSync(join(dir, DESCRIPTOR_TEMP)), false);
    assert.deepEqual(await imageHashes(dir, f), images, 'no image was written');
  });

  it('a grown top the descriptor does not know: End and Disk_size become its size, and the whole disk converts as qemu-img reads it', async () => {
    const f = fixture('top-size-mismatch');
    const dir = await copyBundle(f);
    const before = readFileSync(join(dir, 'DiskDescriptor.xml'), 'utf8');
    const r = await hdd(['check', '-r', 'all', dir]);
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stderr, /Repairing: .*DiskDescriptor\.xml: bundle-top-size-mismatch/);
    assert.equal(
      readFileSync(join(dir, 'DiskDescriptor.xml'), 'utf8'),
      before.replace('<Disk_size>2048</Disk_size>', '<Disk_size>4096</Disk_size>').replace('<End>2048</End>', '<End>4096</End>'),
    );
    const out = join(dir, '..', 'out.raw');
    assert.equal((await hdd(['convert', dir, out])).code, 0);
    const theirs = join(dir, '..', 'qemu.raw');
    await runOk(qemu10().img, ['convert', '-O', 'raw', qemuChainName(dir, f.spec, 0, '{5fbaabe3-6958-40ff-92a7-860e329aab41}'), theirs]);
    assert.ok(readFileSync(out).equals(readFileSync(theirs)));
  });

  it('a top that is only guessed gets a TopGUID, which ploop then reads as the top', async () => {
    const dir = await copyBundle(fixture('top-guessed'));
    const r = await hdd(['check', '-r', 'all', dir]);
    assert.equal(r.code, 0, r.stdout);
    const text = readFileSync(join(dir, 'DiskDescriptor.xml'), 'utf8');
    assert.match(text, /<Snapshots>\n {8}<TopGUID>\{66666666-7777-4888-9999-aaaaaaaaaaaa\}<\/TopGUID>\n {8}<Shot>/);
    const list = await runOk('/usr/sbin/ploop', ['snapshot-list', join(dir, 'DiskDescriptor.xml')]);
    assert.match(list.stdout, /\* \{66666666-7777-4888-9999-aaaaaaaaaaaa\}/);
    assert.equal((await hdd(['check', dir])).code, 0);
  });

  it('never writes a lower image unless it is named with --image', async () => {
    const f = fixture('lower-in-use');
    const dir = await copyBundle(f);
    const images = await imageHashes(dir, f);
    const r = await hdd(['check', '--json', '-r', 'all', dir]);
    assert.equal(r.code, 2);
    assert.deepEqual(await imageHashes(dir, f), images);
    assert.deepEqual((JSON.parse(r.stdout) as Report).findings.map((x) => x.code).sort(), ['bundle-lower-in-use', 'image-unclean']);
    const lower = join(dir, localName(f.spec.storages[0].images[0].file));
    // Marked in use ("Ynot"): a VM may have it open, so even a named image is repaired only with --force.
    const refused = await hdd(['check', '--json', '-r', 'all', '--image', lower, dir]);
    assert.equal(refused.code, 2, refused.stdout);
    assert.deepEqual(await imageHashes(dir, f), images);
    const named = await hdd(['check', '--json', '-r', 'all', '--force', '--image', lower, dir]);
    assert.equal(named.code, 0, named.stdout);
    const report = JSON.parse(named.stdout) as Report;
    assert.deepEqual(report.findings, []);
    assert.deepEqual(
      report.repair.images.map((i) => i.file),
      [lower],
    );
    const top = localName(f.spec.storages[0].images[1].file);
    assert.equal(await sha256(join(dir, top)), images[top], 'the top had nothing to repair and is untouched');
  });

  it("never writes a top outside the bundle folder unless it is named with --image (it may be another bundle's)", async () => {
    const f = fixture('file-outside');
    const dir = await copyBundle(f);
    const outside = join(dir, localName(f.spec.storages[0].images[1].file));
    // Entry 4 made a duplicate of entry 3: a corruption the image repair fixes.
    const entry3 = readFileSync(outside).readUInt32LE(64 + 3 * 4);
    await setBat(outside, { 4: entry3 });
    const before = await sha256(outside);
    const r = await hdd(['check', '--json', '-r', 'all', dir]);
    assert.equal(r.code, 2, r.stdout);
    assert.deepEqual((JSON.parse(r.stdout) as Report).findings.map((x) => x.code).sort(), ['bat-entry-duplicate', 'bundle-file-outside', 'leaked-tail']);
    assert.equal(await sha256(outside), before, 'the image outside the folder is untouched');
    const named = await hdd(['check', '--json', '-r', 'all', '--image', outside, dir]);
    const report = JSON.parse(named.stdout) as Report;
    assert.deepEqual(
      report.repair.images.map((i) => i.file),
      [outside],
    );
    assert.deepEqual(
      report.findings.map((x) => x.code),
      ['bundle-file-outside'],
    );
    assert.notEqual(await sha256(outside), before);
  });

  it('repairs the top image through the journalled image repair (an open top: in_use cleared), the base untouched', async () => {
    const f = fixture('b-ploop-one-snapshot');
    const dir = await copyBundle(f);
    const images = await imageHashes(dir, f);
    const unforced = await hdd(['check', '--json', '-r', 'all', dir]);
    assert.equal(unforced.code, 2, 'an open top ("Ynot") is repaired only with --force');
    assert.deepEqual(await imageHashes(dir, f), images);
    const r = await hdd(['check', '--json', '-r', 'all', '--force', dir]);
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stderr, /Repairing: mark the image closed/);
    const after = await imageHashes(dir, f);
    assert.equal(after['root.hds'], images['root.hds']);
    assert.notEqual(after['root.hds.{329b6f86-98ae-4df1-9db3-92b400c3f0ad}'], images['root.hds.{329b6f86-98ae-4df1-9db3-92b400c3f0ad}']);
  });

  it('--image names an image of the bundle, and only with -r', async () => {
    const dir = await copyBundle(fixture('lower-in-use'));
    assert.equal((await hdd(['check', '--image', 'x.hds', dir])).code, 1);
    const r = await hdd(['check', '-r', 'all', '--image', '/etc/hostname', dir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is not an image of the bundle/);
  });

  it('does not overwrite a descriptor that changed since it was checked, nor race another writer', async () => {
    const dir = await copyBundle(fixture('disk-size-mismatch'));
    const path = join(dir, 'DiskDescriptor.xml');
    const text = readFileSync(path, 'utf8');
    assert.throws(
      () => writeDescriptor(dir, path, `${text} `, text),
      (e: unknown) => e instanceof BundleError && /changed since it was checked/.test(e.message),
    );
    writeFileSync(join(dir, DESCRIPTOR_TEMP), 'someone else');
    assert.throws(
      () => writeDescriptor(dir, path, text, text.replace('4096', '2048')),
      (e: unknown) => e instanceof BundleError && /another hdd-lens is writing/.test(e.message),
    );
    assert.equal(readFileSync(path, 'utf8'), text);
    assert.throws(() => writeDescriptor(dir, path, text, '<broken'), /would not parse/);
  });

  it('convert refuses what it cannot read faithfully: Padding, encryption, an ambiguous top (unless a snapshot is named)', async () => {
    const want: Record<string, RegExp> = {
      'padding-nonzero': /Padding=1/,
      encrypted: /encrypted by Parallels Desktop/,
      'top-unresolved': /name a snapshot with --snapshot/,
      'chain-cycle': /chain of .* is broken/,
      'file-missing': /missing or unreadable/,
    };
    for (const [name, message] of Object.entries(want)) {
      const dir = await copyBundle(fixture(name));
      const out = join(dir, '..', 'out.raw');
      const r = await hdd(['convert', dir, out]);
      assert.equal(r.code, 1, name);
      assert.match(r.stderr, message, name);
      assert.equal(existsSync(out), false, `${name}: nothing written`);
    }
    const corrupt = await copyBundle(fixture('deep-chain'));
    await setBat(join(corrupt, 'deep.hds.0'), { 15: 0x1000 });
    const refused = await hdd(['convert', corrupt, join(corrupt, '..', 'corrupt.raw')]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /deep\.hds\.0: BAT entry 15 points to 0x10000000, outside the data area/);
    const dir = await copyBundle(fixture('top-unresolved'));
    assert.equal((await hdd(['convert', dir, join(dir, '..', 'left.raw'), '--snapshot', '{66666666-7777-4888-9999-AAAAAAAAAAAA}'])).code, 0);
    assert.equal((await hdd(['convert', dir, join(dir, 'base.hds'), '--overwrite'])).code, 1, 'never over an image of the bundle');
  });
});

describe('bundle check of hostile files', function () {
  this.timeout(60000);

  it('never opens a FIFO or a device a descriptor names (it would block or lie): the image is reported unreadable', async () => {
    const f = ALL_BUNDLES.find((x) => x.spec.name === 'deep-chain') as BundleFixture;
    const dir = await copyBundle(f);
    const base = join(dir, localName(f.spec.storages[0].images[0].file));
    rmSync(base);
    execFileSync('mkfifo', [base]);
    const text = readFileSync(join(dir, 'DiskDescriptor.xml'), 'utf8');
    writeFileSync(join(dir, 'DiskDescriptor.xml'), text.replace('<File>deep.hds.1</File>', '<File>/dev/zero</File>'));
    const r = await hdd(['check', '--json', dir]);
    assert.equal(r.code, 2);
    const findings = (JSON.parse(r.stdout) as Report).findings as Array<{ code: string; message: string }>;
    assert.deepEqual(
      findings.filter((x) => x.code === 'bundle-file-missing').map((x) => /is not a regular file/.test(x.message)),
      [true, true],
    );
  });

  it('refuses a descriptor naming more images than a bundle may have (each is opened and its BAT held)', async () => {
    const f = ALL_BUNDLES.find((x) => x.spec.name === 'deep-chain') as BundleFixture;
    const dir = await copyBundle(f);
    const path = join(dir, 'DiskDescriptor.xml');
    const many = Array.from(
      { length: 5000 },
      (_, n) => `<Image><GUID>{${n.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000}</GUID><File>deep.hds.0</File></Image>`,
    ).join('');
    writeFileSync(path, readFileSync(path, 'utf8').replace('</Storage>', `${many}</Storage>`));
    const r = await hdd(['check', dir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /names 5007 images, more than the 4096 a bundle may have/);
  });
});
