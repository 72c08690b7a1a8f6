import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { checkImage } from '../../shared/engine/check';
import { countFindings } from '../../shared/check/counts';
import type { Finding } from '../../shared/check/finding';
import { planRepair, repairable } from '../../shared/engine/repair';
import { FIXTURES, sharedFixtures } from '../fixtures';
import { applyEdits, scratchCopy, sha256, withImage } from '../fixtures/files';
import { findingDifferences, type FindingLike } from '../fixtures/expect';
import { checkJson, hddLens } from './cli';

interface CheckJson {
  findings: FindingLike[];
  corruptions: number;
  leaks: number;
}

/** The engine's findings, and whether a fatal header problem stopped the check (qemu-img's "not completed"). */
function engineCheck(path: string): { findings: Finding[]; fatal: boolean } {
  return withImage(path, (src) => {
    const r = checkImage(src);
    return { findings: r.findings, fatal: r.image.geometry === undefined };
  });
}

/** The exit code `check` owes its findings, as qemu-img's: 2 corruptions, 3 leaks only, 0 otherwise. */
function exitFor(counts: { corruptions: number; leaks: number }): number {
  return counts.corruptions > 0 ? 2 : counts.leaks > 0 ? 3 : 0;
}

describe('the CLI is the engine: check --json and check -r all on every fixture', function () {
  let paths: Map<string, string>;
  before(async () => {
    paths = await sharedFixtures();
  });

  for (const spec of FIXTURES) {
    it(`${spec.name}: check --json reports the fixture's findings`, async () => {
      const image = paths.get(spec.name)!;
      const r = await checkJson(image);
      const out = JSON.parse(r.stdout) as CheckJson;
      assert.deepEqual(findingDifferences(out.findings, spec.expect), []);
      assert.equal(r.code, engineCheck(image).fatal ? 1 : exitFor(out), r.stderr);
    });

    const expectsRepair = spec.expect.length > 0;
    if (!expectsRepair) continue;
    it(`${spec.name}: check -r all writes exactly the engine's plan, through the journal`, async () => {
      const image = paths.get(spec.name)!;
      const byEngine = await scratchCopy(image);
      const byCli = await scratchCopy(image);
      const before = await sha256(byCli);
      const outcome = withImage(byEngine, (src) => planRepair(src, 'all'));
      // An image marked in use ("Ynot") may belong to a VM that takes no locks: repaired only with --force.
      const inUse = !spec.repairRefused && spec.expect.some((e) => e.code === 'image-unclean');
      if (inUse) {
        const refused = await hddLens(['check', byCli, '-r', 'all', '--json']);
        assert.match(refused.stderr, /not repairing: the image is marked in use \(in_use = "Ynot"\).*repair with --force; nothing was written/);
        assert.equal(await sha256(byCli), before, 'an image marked in use was repaired without --force');
      }
      const r = await hddLens(['check', byCli, '-r', 'all', '--json', ...(inUse ? ['--force'] : [])]);
      assert.equal(existsSync(`${byCli}.hdd-lens-journal`), false, 'journal left behind');
      if (spec.repairRefused) {
        assert.equal(await sha256(byCli), before, 'an image with a NECESSARY feature that cannot be loaded was changed');
        return;
      }
      if (!outcome.refused) await applyEdits(byEngine, outcome.plan);
      assert.equal(await sha256(byCli), await sha256(byEngine), 'the CLI wrote other bytes than the plan');
      const { findings: after, fatal } = engineCheck(byCli);
      assert.equal(r.code, fatal ? 1 : exitFor(countFindings(after)), r.stderr);
      if (!fatal)
        assert.deepEqual(
          after.filter((f) => repairable(f, 'all')).map((f) => f.code),
          [],
        );
    });
  }
});
