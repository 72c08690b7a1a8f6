import { strict as assert } from 'node:assert';
import { ORACLES } from '../oracles';
import { FIXTURES, qemuCheck, sharedFixtures } from '../fixtures';
import { scratchCopy } from '../fixtures/files';
import { checkJson } from './cli';

/**
 * `hdd-lens check` and `qemu-img check` give the same exit code on every fixture, except where the fixture says
 * QEMU is wrong, and why. So each disagreement with QEMU is a known, documented one.
 */
describe('differential: check verdicts against qemu-img check', function () {
  let paths: Map<string, string>;
  before(async () => {
    paths = await sharedFixtures();
  });

  for (const spec of FIXTURES) {
    const exceptions = Object.entries(spec.qemuCheck ?? {}).map(([name, v]) => `${name} ${v.exit}: ${v.wrong}`);
    it(`${spec.name}: ${exceptions.length === 0 ? 'the same exit code' : `except ${exceptions.join('; ')}`}`, async () => {
      const image = paths.get(spec.name)!;
      // qemu-img 10 may write even without -r (it aborts leaving the image unclean): a copy each time.
      const [ours, ...theirs] = await Promise.all([checkJson(image), ...ORACLES.map(async (o) => qemuCheck(o.get(), await scratchCopy(image)))]);
      ORACLES.forEach((oracle, i) => {
        const expected = spec.qemuCheck?.[oracle.name]?.exit ?? ours.code;
        assert.equal(theirs[i].code, expected, `${oracle.name} (hdd-lens says ${ours.code}):\n${theirs[i].stdout}${theirs[i].stderr}`);
      });
    });
  }
});
