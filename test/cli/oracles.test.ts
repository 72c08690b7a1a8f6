import { strict as assert } from 'node:assert';
import { symlink, writeFile, stat, readFile } from 'node:fs/promises';
import { SAMPLES, qemuConvert, qemuCreate, qemuWrite, run, runOk, samplePath } from '../fixtures';
import { scratchCopy, scratchPath, sha256 } from '../fixtures/files';
import { ORACLES, type Oracle, qemu10, qemu72 } from '../oracles';
import { fileDifference } from '../differential/cli';
import { convertSyncCalls, hdd } from './helpers';
import { straceAvailable } from '../crash/writeSafety';

/** The sizes and cluster sizes `create` is compared on: defaults, odd sizes, rounding, suffixes, 1 TiB. */
const CREATE_CASES: Array<{ size: string; cluster?: string }> = [
  { size: '1M' },
  { size: '1000' },
  { size: '0' },
  { size: '1.5M' },
  { size: '100k', cluster: '1000' },
  { size: '1G', cluster: '64k' },
  { size: '10M', cluster: '4096' },
  { size: '3G', cluster: '3M' },
  { size: '1T', cluster: '64k' },
  { size: '4G', cluster: '1' },
  { size: '0x100000', cluster: '1.5k' },
  { size: '1.0001k' },
];

const K64 = 64 * 1024;

/** Guest writes with distinct patterns, in an order that makes the host layout differ from the guest's. */
const WRITES = [
  { offset: 0, length: K64, pattern: 0x5a },
  { offset: 5 * K64 + 512, length: 3 * K64, pattern: 0x11 },
  { offset: 2 * K64, length: 4096, pattern: 0x22 },
  { offset: 1024 * 1024 - 4096, length: 8192, pattern: 0x33 },
  // The last, partial cluster of a 3 MiB + 1000 byte disk: its last 1024 bytes (the size is rounded up to sectors).
  { offset: 3 * 1024 * 1024, length: 1024, pattern: 0x44 },
];

/** An image made by `create` (ours, or qemu's for the ext variant) and filled by qemu-io. */
async function filled(variant: 'ext' | 'legacy', size = 3 * 1024 * 1024 + 1000): Promise<string> {
  const path = await scratchPath(`${variant}.hdd`);
  const r = await hdd(['create', path, String(size), '--cluster-size', '64k', ...(variant === 'legacy' ? ['--legacy'] : [])]);
  assert.equal(r.code, 0, r.stderr);
  await qemuWrite(qemu72(), path, WRITES);
  return path;
}

describe('hdd-lens create, convert and map against qemu-img', function () {
  this.timeout(180000);

  describe('create', () => {
    for (const c of CREATE_CASES) {
      const label = `${c.size}${c.cluster ? ` --cluster-size ${c.cluster}` : ''}`;
      it(`create ${label} is byte for byte qemu-img create (7.2 and 10)`, async () => {
        const ours = await scratchPath('ours.hdd');
        const r = await hdd(['create', ours, c.size, ...(c.cluster ? ['--cluster-size', c.cluster] : [])]);
        assert.equal(r.code, 0, r.stderr);
        for (const q of [qemu72(), qemu10()]) {
          const theirs = await scratchPath(`qemu${q.version}.hdd`);
          await runOk(q.img, ['create', '-q', '-f', 'parallels', ...(c.cluster ? ['-o', `cluster_size=${c.cluster}`] : []), theirs, c.size]);
          assert.equal(await fileDifference(ours, theirs), undefined, `qemu-img ${q.version}`);
        }
      });
    }

    it('--legacy: the WithoutFreeSpace variant, the same layout otherwise; QEMU reads and writes it, and it checks clean', async () => {
      const legacy = await scratchPath('legacy.hdd');
      const ext = await scratchPath('ext.hdd');
      await hdd(['create', legacy, '5M', '--cluster-size', '64k', '--legacy']);
      await qemuCreate(qemu72(), ext, 5 * 1024 * 1024, K64);
      const [a, b] = [await readFile(legacy), await readFile(ext)];
      assert.equal(a.toString('latin1', 0, 16), 'WithoutFreeSpace');
      assert.deepEqual(a.subarray(16), b.subarray(16));
      const path = await filled('legacy');
      for (const q of [qemu72(), qemu10()]) {
        const r = await run(q.img, ['check', '-f', 'parallels', await scratchCopy(path)]);
        assert.equal(r.code, 0, `${q.version}: ${r.stdout}${r.stderr}`);
      }
      const ours = await hdd(['check', path, '--json']);
      assert.equal(ours.code, 0, ours.stdout);
      assert.deepEqual(JSON.parse(ours.stdout).findings, []);
    });

    it('refuses an existing file unless --overwrite, and sizes qemu-img refuses or cannot open', async () => {
      const path = await scratchPath('exists.hdd');
      await writeFile(path, 'keep me');
      const r = await hdd(['create', path, '1M']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`${path}: already exists`));
      assert.equal(await readFile(path, 'utf8'), 'keep me');
      assert.equal((await hdd(['create', path, '1M', '--overwrite'])).code, 0);
      assert.equal((await stat(path)).size, 1024 * 1024);
      for (const args of [['1P', '--cluster-size', '1M'], ['2E'], ['1M', '--cluster-size', '3G'], ['1kB'], ['-5'], ['3T', '--legacy']]) {
        const bad = await scratchPath('bad.hdd');
        const res = await hdd(['create', bad, ...args]);
        assert.equal(res.code, 1, args.join(' '));
        assert.equal((await stat(bad).catch(() => undefined)) === undefined, true, `${args.join(' ')} wrote a file`);
      }
    });
  });

  describe('convert', () => {
    const cases: Array<[string, () => Promise<string>]> = [
      ...SAMPLES.map((s): [string, () => Promise<string>] => [s, async () => samplePath(s)]),
      ['qemu-io data, ext, odd disk size', () => filled('ext')],
      ['qemu-io data, legacy', () => filled('legacy')],
    ];
    for (const [name, make] of cases) {
      it(`${name}: byte for byte qemu-img convert -O raw (7.2 and 10), and sparse`, async () => {
        const image = await make();
        const ours = `${await scratchPath('ours')}.raw`;
        const r = await hdd(['convert', image, ours]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, '');
        for (const q of [qemu72(), qemu10()]) {
          const theirs = `${await scratchPath(`qemu${q.version}`)}.raw`;
          await qemuConvert(q, image, theirs);
          assert.equal(await fileDifference(ours, theirs), undefined, `qemu-img ${q.version}`);
        }
        const st = await stat(ours);
        assert.ok(st.blocks * 512 <= (await stat(image)).size + 64 * 1024, 'the raw file is not sparse');
      });
    }

    it('syncs OUT.raw, then its folder, before exiting (qemu-img convert by default syncs neither)', async function () {
      if (!straceAvailable()) this.skip();
      const calls = await convertSyncCalls(await filled('ext'), `${await scratchPath('synced')}.raw`);
      assert.deepEqual(calls, ['fsync', 'fsync'], 'the file, then its folder');
    });

    it('with --no-sync syncs nothing, as qemu-img convert by default, and writes the same bytes', async function () {
      if (!straceAvailable()) this.skip();
      const image = await filled('ext');
      const synced = `${await scratchPath('synced')}.raw`;
      const unsynced = `${await scratchPath('unsynced')}.raw`;
      await convertSyncCalls(image, synced);
      assert.deepEqual(await convertSyncCalls(image, unsynced, ['--no-sync']), []);
      assert.equal(await fileDifference(unsynced, synced), undefined);
    });

    it('refuses an existing output unless --overwrite, and never the image itself', async () => {
      const image = await scratchCopy(samplePath('parallels-v2'));
      const before = await sha256(image);
      const out = `${await scratchPath('out')}.raw`;
      await writeFile(out, 'keep me');
      const r = await hdd(['convert', image, out]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`${out}: already exists`));
      assert.equal(await readFile(out, 'utf8'), 'keep me');
      assert.equal((await hdd(['convert', image, out, '--overwrite'])).code, 0);
      assert.equal((await stat(out)).size, 2 * 1024 * 1024);
      const link = `${await scratchPath('link')}.hdd`;
      await symlink(image, link);
      for (const target of [image, link]) {
        const self = await hdd(['convert', image, target, '--overwrite']);
        assert.equal(self.code, 1, target);
        assert.match(self.stderr, /is the input image itself/);
      }
      assert.equal(await sha256(image), before);
    });
  });

  describe('map', () => {
    const cases: Array<[string, () => Promise<string>]> = [
      ...SAMPLES.map((s): [string, () => Promise<string>] => [s, async () => samplePath(s)]),
      ['qemu-io data, ext', () => filled('ext')],
      ['qemu-io data, legacy', () => filled('legacy')],
      [
        'an empty disk',
        async () => {
          const p = await scratchPath('empty.hdd');
          await hdd(['create', p, '0']);
          return p;
        },
      ],
    ];
    for (const [name, make] of cases) {
      it(`${name}: --json is qemu-img 10's output byte for byte (7.2's without "compressed"), the table is qemu-img's`, async () => {
        const image = await make();
        const json = await hdd(['map', image, '--json']);
        assert.equal(json.code, 0, json.stderr);
        const table = await hdd(['map', image]);
        for (const q of ORACLES.map((o) => o.get())) {
          const theirs = await qemuMap(q, image);
          const expected = q === qemu72() ? json.stdout.replace(/"compressed": false, |, "compressed": false/g, '') : json.stdout;
          assert.equal(expected, theirs.json, `qemu-img ${q.version} --output=json`);
          assert.equal(table.stdout, theirs.human, `qemu-img ${q.version} table`);
        }
      });
    }
  });
});

async function qemuMap(q: Oracle, image: string): Promise<{ json: string; human: string }> {
  const json = await runOk(q.img, ['map', '-f', 'parallels', '--output=json', image]);
  const human = await runOk(q.img, ['map', '-f', 'parallels', image]);
  return { json: json.stdout, human: human.stdout };
}
