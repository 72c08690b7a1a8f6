import { strict as assert } from 'node:assert';
import { readFile, writeFile } from 'node:fs/promises';
import { ORACLES } from '../oracles';
import { ImageBytes, run } from '../fixtures';
import { scratchPath } from '../fixtures/files';
import { fileDifference, hddLens } from './cli';

/** [SIZE, cluster size or undefined for the default], as both tools take them (qemu-img's suffixes). */
const CASES: Array<[string, string | undefined]> = [
  ['1M', '64k'],
  ['64M', undefined],
  ['1000k', '64k'],
  ['1000001', '32k'],
  ['1G', '1M'],
  ['3G', '2M'],
  ['4G', '64k'],
  ['100G', undefined],
  ['1T', '64k'],
];

describe('differential: hdd-lens create writes what qemu-img create writes', function () {
  for (const oracle of ORACLES) {
    for (const [size, cluster] of CASES) {
      const opts = cluster ? ['--cluster-size', cluster] : [];
      it(`${size}${cluster ? `, ${cluster} clusters` : ''} (${oracle.name}), and --legacy`, async () => {
        const theirs = await scratchPath('qemu.hdd');
        const qr = await run(oracle.get().img, ['create', '-q', '-f', 'parallels', ...(cluster ? ['-o', `cluster_size=${cluster}`] : []), theirs, size]);
        assert.equal(qr.code, 0, qr.stderr);
        const ours = await scratchPath('ours.hdd');
        const r = await hddLens(['create', ours, size, ...opts]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(await fileDifference(ours, theirs), undefined);

        // --legacy: QEMU's image with the WithoutFreeSpace magic (an empty BAT holds no offsets to convert).
        const legacy = await scratchPath('legacy.hdd');
        const lr = await hddLens(['create', legacy, size, ...opts, '--legacy']);
        assert.equal(lr.code, 0, lr.stderr);
        const expected = await scratchPath('legacy-expected.hdd');
        await writeFile(expected, new ImageBytes(await readFile(theirs)).toLegacy().bytes);
        assert.equal(await fileDifference(legacy, expected), undefined, '--legacy');
      });
    }
  }
});
