import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { appendFile, mkdir, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { RULES } from '../../shared/rules/catalogue';
import { SAMPLES, fixturePath, qemuCheck, qemuConvert, samplePath } from '../fixtures';
import { scratchCopy, scratchPath, sha256 } from '../fixtures/files';
import { qemu10, qemu72 } from '../oracles';
import { fixed2 } from '../../cli/checkText';
import { CLUSTER, dataImage, hdd, patchFile, setBat, u32le } from './helpers';

/** The top-level fields of `check --json`: a public contract, exactly these (plus "repair" with -r). */
const REPORT_KEYS = [
  'filename',
  'format',
  'variant',
  'findings',
  'corruptions',
  'leaks',
  'warnings',
  'infos',
  'allocatedClusters',
  'totalClusters',
  'fragmentedClusters',
  'imageEndOffset',
  'checkErrors',
];
const FINDING_KEYS = ['code', 'severity', 'category', 'message', 'offset', 'length', 'batIndex', 'repair', 'count'];

interface Report {
  filename: string;
  variant: string | null;
  findings: Array<{
    code: string;
    severity: string;
    category: string;
    message: string;
    offset: number;
    length: number;
    batIndex?: number;
    repair?: string;
    count?: number;
  }>;
  corruptions: number;
  leaks: number;
  warnings: number;
  allocatedClusters: number;
  totalClusters: number;
  fragmentedClusters: number;
  imageEndOffset: number;
  checkErrors: number;
  repair?: { mode: string; steps: string[]; refused?: string; before: { corruptions: number; leaks: number } };
}

async function checkJson(path: string, ...extra: string[]): Promise<{ code: number | null; report: Report; stderr: string }> {
  const r = await hdd(['check', path, '--json', ...extra]);
  return { code: r.code, report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
}

/** Entries 5 and 9 point at the clusters of entries 0 and 1: two duplicates. */
async function duplicateImage(): Promise<string> {
  const path = await dataImage();
  await setBat(path, { 5: 2, 9: 3 });
  return path;
}

/** 100000 bytes of garbage after the last cluster: 2 leaked clusters, as qemu-img counts them. */
async function leakImage(): Promise<string> {
  const path = await dataImage();
  await appendFile(path, Buffer.alloc(100000, 0xee));
  return path;
}

describe('hdd-lens check', function () {
  this.timeout(120000);

  describe('exit codes and counts, as qemu-img check', () => {
    for (const name of SAMPLES) {
      it(`${name}: clean, exit 0`, async () => {
        const r = await hdd(['check', samplePath(name)]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^No errors were found on the image\.$/m);
      });
    }

    it('prints exactly what qemu-img check prints on clean qemu images and the v1/v2 samples (both versions)', async () => {
      const images = [samplePath('parallels-v1'), samplePath('parallels-v2'), await dataImage()];
      for (const image of images) {
        const ours = await hdd(['check', image]);
        for (const q of [qemu72(), qemu10()]) {
          const copy = await scratchCopy(image);
          const theirs = await qemuCheck(q, copy);
          assert.equal(theirs.code, 0, `${q.version} ${image}: ${theirs.stderr}`);
          assert.equal(ours.stdout, theirs.stdout.split(copy).join(image), `${q.version} on ${image}`);
        }
      }
    });

    it('a duplicate BAT entry: exit 2, the later entry named with its peer', async () => {
      const { code, report } = await checkJson(await duplicateImage());
      assert.equal(code, 2);
      assert.equal(report.corruptions, 2);
      const dups = report.findings.filter((f) => f.code === 'bat-entry-duplicate');
      assert.deepEqual(
        dups.map((f) => [f.batIndex, f.offset, f.length, f.severity, f.category]),
        [
          [5, 64 + 5 * 4, 4, 'error', 'corruption'],
          [9, 64 + 9 * 4, 4, 'error', 'corruption'],
        ],
      );
      assert.match(dups[0].message, /BAT entry 5 .* overlaps the cluster of BAT entry 0$/);
    });

    it('appended garbage: exit 3 (leaks only), leaked clusters counted as qemu-img does', async () => {
      const path = await leakImage();
      const { code, report } = await checkJson(path);
      assert.equal(code, 3);
      assert.equal(report.corruptions, 0);
      const theirs = await qemuCheck(qemu72(), await scratchCopy(path));
      assert.equal(theirs.code, 3);
      const qemuLeaks = Number(/(\d+) leaked clusters were found/.exec(theirs.stdout)?.[1]);
      assert.equal(report.leaks, qemuLeaks);
      assert.equal(report.imageEndOffset, Number(/Image end offset: (\d+)/.exec(theirs.stdout)?.[1]));
      const tail = report.findings.find((f) => f.code === 'leaked-tail');
      assert.equal(tail?.count, qemuLeaks);
    });

    it('not a Parallels image: exit 1, the check could not complete, the blocking rule named', async () => {
      const path = await scratchPath('text.hdd');
      await writeFile(path, 'this is not a disk image at all, just some text that is long enough'.repeat(4));
      const { code, report } = await checkJson(path);
      assert.equal(code, 1);
      assert.equal(report.checkErrors, 1);
      assert.equal(report.variant, null);
      assert.deepEqual(
        report.findings.map((f) => f.code),
        ['bad-magic'],
      );
      // Without --json, only what the file is: no report of "1 errors" that would suggest a damaged image.
      const human = await hdd(['check', path]);
      assert.equal(human.code, 1);
      assert.equal(human.stdout, '');
      assert.equal(human.stderr, `hdd-lens: ${path}: not a Parallels image: the magic is "this is not a di", not "WithoutFreeSpace" or "WithouFreSpacExt"\n`);
    });

    it('an empty file and a folder that is no bundle: exit 1, one line that says what it is', async () => {
      const empty = await scratchPath('empty.hdd');
      await writeFile(empty, '');
      const folder = await scratchPath('folder.hdd');
      await mkdir(folder);
      const cases: Array<[string, RegExp]> = [
        [empty, /^the file is empty: not a Parallels image$/],
        [folder, /^is a directory, not a Parallels image nor a disk bundle \(no DiskDescriptor\.xml in it, nor in a NAME\.hdd folder inside\)$/],
      ];
      for (const [path, said] of cases) {
        for (const command of ['check', 'info', 'map']) {
          const r = await hdd([command, path]);
          assert.equal(r.code, 1, `${command} ${path}`);
          assert.equal(r.stdout, '', `${command} ${path}`);
          const lines = r.stderr.trimEnd().split('\n');
          assert.equal(lines.length, 1, r.stderr);
          const prefix = `hdd-lens: ${path}: `;
          assert.ok(lines[0].startsWith(prefix), r.stderr);
          // info and map name the rule after the message: compare the message only.
          assert.match(lines[0].slice(prefix.length).replace(/ \(at offset 0, rule bad-magic\)$/, ''), said, `${command}: ${r.stderr}`);
        }
      }
    });

    it('a missing file: exit 1, the file named on stderr, nothing on stdout', async () => {
      const path = `${await scratchPath('missing')}.hdd`;
      for (const args of [
        ['check', path],
        ['check', path, '--json'],
        ['info', path],
        ['map', path],
      ]) {
        const r = await hdd(args);
        assert.equal(r.code, 1, args.join(' '));
        assert.equal(r.stdout, '');
        assert.match(r.stderr, new RegExp(`^hdd-lens: ${path}: no such file`));
      }
    });

    it('a directory, or an unreadable file: exit 1, the file named', async () => {
      const dir = await scratchPath('a-folder');
      await mkdir(dir);
      for (const args of [
        ['check', dir],
        ['info', dir],
        ['map', dir],
        ['convert', dir, `${dir}.raw`],
      ]) {
        const r = await hdd(args);
        assert.equal(r.code, 1, args.join(' '));
        assert.match(r.stderr, new RegExp(`^hdd-lens: ${dir}: is a directory, not a Parallels image nor a disk bundle`, 'm'), args.join(' '));
      }
    });

    it('warnings and notes do not change the exit code', async () => {
      // An unused cluster inside the image (entry 2's host cluster 1, now unreferenced): a warning only.
      const path = await dataImage();
      await setBat(path, { 2: 0 });
      const { code, report } = await checkJson(path);
      assert.ok(report.warnings > 0, JSON.stringify(report.findings));
      assert.equal(report.corruptions + report.leaks, 0);
      assert.equal(code, 0);
    });
  });

  describe('--json', () => {
    it('prints one object with exactly the documented fields', async () => {
      const path = await duplicateImage();
      const { report } = await checkJson(path);
      assert.deepEqual(Object.keys(report), REPORT_KEYS);
      assert.equal(report.filename, path);
      assert.equal(report.variant, 'ext');
      for (const f of report.findings) {
        assert.deepEqual(
          Object.keys(f).filter((k) => !FINDING_KEYS.includes(k)),
          [],
        );
        for (const k of ['code', 'severity', 'category', 'message']) assert.equal(typeof (f as Record<string, unknown>)[k], 'string');
        assert.ok(RULES.some((r) => r.code === f.code));
      }
      assert.equal(report.allocatedClusters, 7);
      assert.equal(report.totalClusters, 32);
      assert.equal(report.imageEndOffset, 6 * CLUSTER);
    });

    it('fragmentation and allocation as qemu-img counts them', async () => {
      const path = await dataImage();
      const { report } = await checkJson(path);
      const theirs = await qemuCheck(qemu10(), await scratchCopy(path));
      const m = /(\d+)\/(\d+) = [\d.]+% allocated, ([\d.]+)% fragmented/.exec(theirs.stdout);
      assert.ok(m, theirs.stdout);
      assert.equal(report.allocatedClusters, Number(m[1]));
      assert.equal(report.totalClusters, Number(m[2]));
      assert.equal(fixed2((report.fragmentedClusters * 100) / report.allocatedClusters), m[3]);
      assert.ok(report.fragmentedClusters > 0);
    });
  });

  describe('human output', () => {
    it('one block per finding: KIND [code] message, then the fix and its mode', async () => {
      const dup = (await hdd(['check', await duplicateImage()])).stdout.split('\n');
      const at = dup.findIndex((l) => l.startsWith('ERROR [bat-entry-duplicate] BAT entry 5 '));
      assert.ok(at >= 0, dup.join('\n'));
      assert.match(dup[at + 1], /^ {4}fix \(-r all\): copy the shared cluster/);
      assert.ok(dup.includes('2 errors were found on the image.'));
      assert.ok(dup.includes('Data may be corrupted, or further writes to the image may corrupt it.'));

      const leak = (await hdd(['check', await leakImage()])).stdout.split('\n');
      const tail = leak.findIndex((l) => l.startsWith('LEAK [leaked-tail] '));
      assert.match(leak[tail + 1], /^ {4}fix \(-r leaks\): truncate the file/);
      assert.ok(leak.includes('2 leaked clusters were found on the image.'));
      assert.ok(leak.includes('This means waste of disk space, but no harm to data.'));
      const warning = leak.findIndex((l) => l.startsWith('WARNING [file-size-misaligned] '));
      assert.match(leak[warning + 1], /^ {4}no automatic fix: it follows from another finding, whose repair ends the file/);
    });

    it('bat-entry-beyond-eof: each entry gets the one repair that applies to it', async () => {
      const cases: Array<[string, RegExp]> = [
        ['bat-entry-beyond-eof', /^ {4}fix \(-r all\): unmap the entry \(nothing of its cluster is stored/],
        ['bat-entry-beyond-eof-partial', /^ {4}fix \(-r all\): extend the file with zeros to 0x[0-9a-f]+, the end of the entry's cluster$/],
      ];
      for (const [name, fix] of cases) {
        const out = (await hdd(['check', await fixturePath(name)])).stdout.split('\n');
        const at = out.findIndex((l) => l.startsWith('ERROR [bat-entry-beyond-eof] '));
        assert.ok(at >= 0, out.join('\n'));
        assert.match(out[at + 1], fix, name);
        assert.doesNotMatch(out[at + 1], /;/, `one repair, not both: ${out[at + 1]}`);
      }
    });

    it('a flood of one rule is folded into "N more BAT entries" (plural spelled right)', async () => {
      // 16384 entries (1 GiB of 64 KiB clusters), every one pointing far past the end: past the 10000 listed.
      const path = await scratchPath('flood.hdd');
      assert.equal((await hdd(['create', path, '1G', '--cluster-size', '64k'])).code, 0);
      await patchFile(path, 64, u32le(...Array.from({ length: 16384 }, (_, i) => 0x100000 + i * 128)));
      const out = (await hdd(['check', path])).stdout;
      assert.match(out, /^ERROR \[bat-entry-beyond-eof\] 6384 more BAT entries from entry 10000 on have the same problem$/m);
      assert.doesNotMatch(out, /entrys/);
    });
  });

  describe('-r', () => {
    it('-r all repairs duplicates, keeps the guest data, re-checks clean; a second -r all writes nothing', async () => {
      const path = await duplicateImage();
      const rawBefore = `${await scratchPath('before')}.raw`;
      await qemuConvert(qemu72(), path, rawBefore);
      const first = await hdd(['check', path, '-r', 'all']);
      assert.equal(first.code, 0, first.stdout + first.stderr);
      assert.match(
        first.stderr,
        /^Repairing: copy the cluster of BAT entry 5 from host 0x[0-9a-f]+ to a new cluster at 0x[0-9a-f]+ \(it shares host bytes with entry 0\)$/m,
      );
      assert.match(first.stdout, /The following inconsistencies were found and repaired:\n\n {4}0 leaked clusters\n {4}2 corruptions\n/);
      assert.match(first.stdout, /No errors were found on the image\./);
      assert.equal(existsSync(`${path}.hdd-lens-journal`), false);

      const rawAfter = `${await scratchPath('after')}.raw`;
      await qemuConvert(qemu72(), path, rawAfter);
      assert.equal(await sha256(rawAfter), await sha256(rawBefore), 'the guest reads other bytes after the repair');
      const q = await qemuCheck(qemu10(), await scratchCopy(path));
      assert.equal(q.code, 0, q.stdout + q.stderr);

      const before = await sha256(path);
      const second = await checkJson(path, '-r', 'all');
      assert.equal(second.code, 0);
      assert.deepEqual(second.report.repair, { mode: 'all', steps: [], before: { corruptions: 0, leaks: 0 } });
      assert.equal(second.stderr, '');
      assert.equal(await sha256(path), before);
    });

    it('-r all --json reports the state after the repair, and the counts before', async () => {
      const { code, report } = await checkJson(await duplicateImage(), '-r', 'all');
      assert.equal(code, 0);
      assert.deepEqual(Object.keys(report), [...REPORT_KEYS, 'repair']);
      assert.equal(report.corruptions, 0);
      assert.equal(report.repair?.mode, 'all');
      assert.deepEqual(report.repair?.before, { corruptions: 2, leaks: 0 });
      assert.equal(report.repair?.steps.length, 2);
    });

    it('-r leaks truncates a leaked tail to the image end offset and nothing else', async () => {
      const path = await leakImage();
      const before = (await checkJson(path)).report;
      const r = await checkJson(path, '-r', 'leaks');
      assert.equal(r.code, 0);
      assert.equal((await stat(path)).size, before.imageEndOffset);
      assert.equal(r.report.leaks, 0);
    });

    it('-r leaks leaves corruptions alone (exit 2, file unchanged)', async () => {
      const path = await duplicateImage();
      const before = await sha256(path);
      const r = await checkJson(path, '-r', 'leaks');
      assert.equal(r.code, 2);
      assert.deepEqual(r.report.repair?.steps, []);
      assert.equal(await sha256(path), before);
    });

    it('an unknown NECESSARY feature: -r writes nothing and says why; --force repairs', async () => {
      const path = await scratchCopy(await fixturePath('ext-unknown-necessary'));
      await appendFile(path, Buffer.alloc(CLUSTER, 0xee));
      const before = await sha256(path);
      const refused = await checkJson(path, '-r', 'all');
      assert.equal(await sha256(path), before, 'the image was changed');
      assert.match(refused.report.repair?.refused ?? '', /NECESSARY|necessary/);
      assert.match(refused.stderr, /refusing to write/);
      assert.equal(refused.code, 3);
      const forced = await checkJson(path, '-r', 'all', '--force');
      assert.equal(forced.report.repair?.refused, undefined);
      assert.notEqual(await sha256(path), before);
      assert.equal(forced.report.leaks, 0);
    });

    it('never writes an image whose header is unusable', async () => {
      const path = await scratchCopy(samplePath('parallels-v2'));
      await patchFile(path, 0, Buffer.alloc(16, 0x41));
      const before = await sha256(path);
      const r = await checkJson(path, '-r', 'all');
      assert.equal(r.code, 1);
      assert.equal(await sha256(path), before);
    });

    it('without -r nothing is written', async () => {
      const path = await duplicateImage();
      const before = await sha256(path);
      const { mtimeMs } = await stat(path);
      await hdd(['check', path]);
      await hdd(['check', path, '--json']);
      assert.equal(await sha256(path), before);
      assert.equal((await stat(path)).mtimeMs, mtimeMs);
    });
  });
});

describe('hdd-lens info', () => {
  it('the bitmap sample: extension, bitmap id, granularity, l1 size and its 6 dirty clusters', async () => {
    const r = await hdd(['info', samplePath('parallels-with-bitmap'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const info = JSON.parse(r.stdout);
    assert.equal(info.format, 'parallels');
    assert.equal(info['virtual-size'], 64 * 2 ** 30);
    assert.equal(info['cluster-size'], 1024 * 1024);
    assert.equal(info['dirty-flag'], false);
    const d = info['format-specific'].data;
    assert.equal(info['format-specific'].type, 'parallels');
    assert.equal(d.variant, 'ext');
    assert.equal(d['in-use'].state, 'v2.1');
    assert.equal(d.extension['checksum-ok'], true);
    assert.deepEqual(
      d.extension.bitmaps.map((b: Record<string, unknown>) => [b.id, b.granularity, b['l1-size'], b['dirty-clusters']]),
      [['e4f2eed0-37fe-4539-b50b-85d2e7fd235f', 128, 1, 6]],
    );
    const human = await hdd(['info', samplePath('parallels-with-bitmap')]);
    assert.match(human.stdout, /^virtual size: 64 GiB \(68719476736 bytes\)$/m);
    assert.match(human.stdout, /bitmap e4f2eed0-37fe-4539-b50b-85d2e7fd235f: granularity 128 sectors \(64 KiB\), l1 size 1, 6 dirty clusters/);
  });

  it('an End section with flags set is never NECESSARY; a dirty bitmap section too short to load says so', async () => {
    const end = JSON.parse((await hdd(['info', await fixturePath('ext-end-not-zero'), '--json'])).stdout)['format-specific'].data.extension;
    assert.deepEqual(
      end.features.map((f: Record<string, unknown>) => [f.kind, f.necessary, f.transit]),
      [
        ['dirty-bitmap', false, false],
        ['end', false, false],
      ],
    );
    const short = await fixturePath('bitmap-feature-too-small');
    const ext = JSON.parse((await hdd(['info', short, '--json'])).stdout)['format-specific'].data.extension;
    assert.deepEqual(ext.bitmaps, []);
    assert.equal(ext.features[0].kind, 'dirty-bitmap');
    assert.match(ext.features[0].error, /data_size 16 is shorter than the 32-byte dirty bitmap header/);
    assert.match((await hdd(['info', short])).stdout, /feature 0: dirty-bitmap .*\(cannot be loaded: its data_size 16/);
    // Not a leak: exit 2 for the unloadable feature, and -r leaks does not cut the cluster it may use.
    const { code, report } = await checkJson(short);
    assert.equal(code, 2);
    assert.deepEqual(
      report.findings.map((f) => f.code),
      ['bitmap-feature-too-small'],
    );
  });

  it('virtual size and disk size as qemu-img info reports them', async () => {
    for (const name of SAMPLES) {
      const ours = JSON.parse((await hdd(['info', samplePath(name), '--json'])).stdout);
      const theirs = qemuInfo(samplePath(name));
      assert.equal(ours['virtual-size'], theirs['virtual-size']);
      assert.equal(ours['actual-size'], theirs['actual-size']);
      assert.equal(ours.filename, theirs.filename);
    }
  });

  it('a dirty (in use) image has dirty-flag true; a non-image fails with the rule named', async () => {
    const dirty = await scratchCopy(samplePath('parallels-v2'));
    await patchFile(dirty, 44, Buffer.from('Ynot', 'latin1'));
    assert.equal(JSON.parse((await hdd(['info', dirty, '--json'])).stdout)['dirty-flag'], true);
    const path = await scratchCopy(samplePath('parallels-v2'));
    await patchFile(path, 0, Buffer.alloc(16, 0x41));
    const r = await hdd(['info', path]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^hdd-lens: ${path}: not a Parallels image: the magic is .*rule bad-magic\\)$`, 'm'));
  });
});

function qemuInfo(path: string): Record<string, unknown> {
  return JSON.parse(execFileSync(qemu72().img, ['info', '-f', 'parallels', '--output=json', path], { encoding: 'utf8' })) as Record<string, unknown>;
}
