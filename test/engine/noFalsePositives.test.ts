import { strict as assert } from 'node:assert';
import { readFile, writeFile } from 'node:fs/promises';
import { checkImage } from '../../shared/engine/check';
import { ORACLES } from '../oracles';
import { type BaseRecipe, ImageBytes, type PatternWrite, addDirtyBitmap, makeBase, qemuCheck } from '../fixtures';
import { scratchCopy, scratchPath, withImage } from '../fixtures/files';

const KiB = 1024;

/** Deterministic scattered writes: some whole clusters, some crossing a cluster boundary, some tiny. */
function scatteredWrites(size: number, cluster: number, seed: number): PatternWrite[] {
  let s = seed;
  const next = (n: number): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s % n;
  };
  const clusters = Math.ceil(size / cluster);
  const writes: PatternWrite[] = [];
  for (let k = 0; k < 6; k++) {
    const start = next(clusters) * cluster + (k % 3 === 1 ? cluster - 1024 : 0);
    const length = k % 3 === 2 ? 512 : k % 3 === 1 ? 2048 : cluster;
    if (start + length <= size) writes.push({ offset: start, length, pattern: 0x21 + k * 0x11 });
  }
  // The very last sector of the disk, so a partial last cluster is always allocated.
  writes.push({ offset: size - 512, length: 512, pattern: 0xfe });
  return writes;
}

interface Case {
  name: string;
  recipe: BaseRecipe;
}

/** Cluster sizes from 32 KiB to 2 MiB (QEMU's default 1 MiB among them), disk sizes on and off a cluster boundary. */
const CASES: Case[] = [
  { cluster: 32 * KiB, size: 16 * 32 * KiB },
  { cluster: 64 * KiB, size: 1000 * KiB },
  { cluster: 64 * KiB, size: 3 * 1024 * KiB + 512 },
  { cluster: 256 * KiB, size: 4 * 1024 * KiB },
  { cluster: undefined, size: 5 * 1024 * KiB - 7 * 512 },
  { cluster: 2048 * KiB, size: 8 * 1024 * KiB },
].map(({ cluster, size }, i) => ({
  name: `${cluster === undefined ? 'default (1 MiB)' : `${cluster / KiB} KiB`} clusters, ${size} byte disk`,
  recipe: { size, clusterSize: cluster, writes: scatteredWrites(size, cluster ?? 1024 * KiB, i + 1) },
}));

function findings(path: string): string[] {
  return withImage(path, (src) => checkImage(src).findings.map((f) => `${f.code}: ${f.message}`));
}

async function variant(path: string, edit: (img: ImageBytes) => void): Promise<string> {
  const img = new ImageBytes(await readFile(path));
  edit(img);
  const out = await scratchPath(`${path}.variant`);
  await writeFile(out, img.bytes);
  return out;
}

describe('no false positives on images QEMU writes', function () {
  for (const oracle of ORACLES) {
    for (const c of CASES) {
      it(`written by ${oracle.name}: ${c.name}, both variants, with and without a dirty bitmap`, async () => {
        const q = oracle.get();
        const image = await scratchPath(`clean-${oracle.name}.hdd`);
        await makeBase(c.recipe, image, q);
        // QEMU itself finds it clean: the image is what we think it is.
        const verdict = await qemuCheck(q, await scratchCopy(image));
        assert.equal(verdict.code, 0, verdict.stdout + verdict.stderr);

        const variants = {
          ext: image,
          legacy: await variant(image, (img) => img.toLegacy()),
          'ext with bitmap': await variant(image, (img) => void addDirtyBitmap(img, [0, 1])),
          'legacy with bitmap': await variant(image, (img) => void addDirtyBitmap(img.toLegacy(), [2])),
        };
        for (const [name, path] of Object.entries(variants)) assert.deepEqual(findings(path), [], name);
      });
    }
  }
});
