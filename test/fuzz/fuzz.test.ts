import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../oracles';
import { runCampaign } from './campaign';
import { fixtureSeeds, generatedSeeds, sampleSeeds } from './corpus';
import { checkInvariants } from './invariants';
import { REPLAY_RNG_SEED } from './minimize';
import { Prng } from './prng';
import { BUILT_REGRESSIONS } from './regressionBuilders';
import { decodeBytes, loadRegressions } from './regressions';

/**
 * The bounded fuzz run of `npm test` (the long campaigns are `npm run fuzz`): every regression input the fuzzer
 * ever found, then a fixed-seed campaign over the samples, the generated seeds and the fixture builder's images.
 * Each case runs decode, every rule, every quick fix and both repair modes, the front ends' reads (info, map,
 * field descriptions, address maps), and checks the engine's promises (see invariants.ts).
 */
describe('fuzz: hostile images', function () {
  // Work is bounded per engine call by the bytes it reads (invariants.ts); these are only watchdogs for hangs.
  this.timeout(900000);

  describe('regressions (every failure the fuzzer found)', () => {
    for (const { file, regression } of loadRegressions(join(PROJECT_ROOT, 'test', 'fuzz', 'regressions'))) {
      it(`${file}: ${regression.signature}`, () => {
        const report = checkInvariants(decodeBytes(regression), new Prng(REPLAY_RNG_SEED));
        assert.deepEqual(
          report.failures.map((f) => `${f.signature}: ${f.detail}`),
          [],
        );
      });
    }
    for (const r of BUILT_REGRESSIONS) {
      it(`${r.name} (built)`, () => {
        const report = checkInvariants(r.build(), new Prng(REPLAY_RNG_SEED));
        assert.deepEqual(
          report.failures.map((f) => `${f.signature}: ${f.detail}`),
          [],
        );
      });
    }
  });

  it('1000 mutated images (seed 20261125): no exception, hang, memory blow-up, bad repair or lost data', async () => {
    const corpus = [...sampleSeeds(), ...generatedSeeds(), ...(await fixtureSeeds())];
    const result = await runCampaign(corpus, { cases: 1000, seed: 20261125, workers: 2, hangMs: 300000 });
    const report = result.groups.map(
      (g) => `${g.count} x ${g.signature}\n  replay: npm run fuzz -- --replay ${g.example.caseSeed}\n  ${g.failure.detail.split('\n')[0]}`,
    );
    assert.equal(result.cases, 1000);
    assert.deepEqual(report, []);
  });
});
