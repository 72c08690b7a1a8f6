import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Prng } from '../fuzz/prng';
import { type CrashImage, type KillOutcome, killOnce, makeCrashImage } from './killRepair';

/**
 * The short version of the crash campaign (the long one is in `npm run bench`): `check -r all` on an image with
 * 300 duplicate 64 KiB clusters, killed with SIGKILL at random moments until 3 kills have landed inside the
 * journaled write (a few more land before or after it); after recovery the image is always the old or the new one.
 */
for (const variant of [
  // The 300 copies go into the all-zero clusters the planted duplicates orphaned: the write overwrites in place.
  { what: '300 duplicate clusters (copied in place: recovery rolls back)', leak: 0, seed: 7 },
  { what: '300 duplicates and a 600-cluster leaked tail (the write ends by truncating: recovery may roll forward)', leak: 600, seed: 8 },
]) {
  describe(`crash safety: SIGKILL during check -r all, then recovery; ${variant.what}`, function () {
    this.timeout(120000);
    let dir: string;
    let img: CrashImage;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'hdd-lens-crash-'));
      // 30 ms after each journal step (a record is at most 1 MiB: about 20 steps) widens the write window so that
      // random kills land in it.
      img = await makeCrashImage(dir, 1024, 300, variant.seed, 30, variant.leak);
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('the repair changes the image (so that "old or new" tells them apart)', () => {
      assert.notEqual(img.original.sha256, img.repaired.sha256);
      assert.equal(img.repaired.size === img.original.size, variant.leak === 0);
    });

    it('leaves exactly the original or the repaired image after every kill', async () => {
      // The kill times are random; the seed is in every message, and HDD_LENS_TEST_SEED replays a run.
      const seed = Number(process.env.HDD_LENS_TEST_SEED ?? Date.now() % 1e9);
      const rng = new Prng(seed);
      const outcomes: KillOutcome[] = [];
      for (let k = 0; outcomes.filter((o) => o.midWrite).length < 3 && k < 12; k++) {
        const o = await killOnce(img, dir, rng, k);
        outcomes.push(o);
        rmSync(join(dir, `kill-${k}.hdd`), { force: true });
        assert.notEqual(o.result, 'other', `seed ${seed}: kill at ${o.killAtMs.toFixed(0)} ms (${o.when}) left an image that is neither: ${JSON.stringify(o)}`);
      }
      assert.ok(outcomes.filter((o) => o.midWrite).length >= 3, `seed ${seed}: too few kills inside the write: ${JSON.stringify(outcomes)}`);
    });
  });
}
