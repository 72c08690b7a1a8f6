import { strict as assert } from 'node:assert';
import { checkImage } from '../../shared/engine/check';
import type { Finding } from '../../shared/check/finding';
import { RULES } from '../../shared/rules/catalogue';
import { FIXTURES, sharedFixtures } from '../fixtures';
import { expectedSummary, findingDifferences } from '../fixtures/expect';
import { withImage } from '../fixtures/files';

function check(path: string): Finding[] {
  return withImage(path, (src) => checkImage(src).findings);
}

describe('engine: each fixture gives exactly its findings', function () {
  let paths: Map<string, string>;
  before(async () => {
    paths = await sharedFixtures();
  });

  for (const spec of FIXTURES) {
    it(`${spec.name}: ${expectedSummary(spec.expect)}`, () => {
      const findings = check(paths.get(spec.name)!);
      const diff = findingDifferences(findings, spec.expect);
      assert.deepEqual(diff, [], `${spec.about}\n${findings.map((f) => `  ${f.code}: ${f.message}`).join('\n')}`);
    });
  }
});

describe('fixtures cover the rule catalogue', () => {
  it('every rule has a fixture made for it, which triggers it', () => {
    const missing = RULES.filter((r) => !FIXTURES.some((f) => f.rule === r.code && f.expect.some((e) => e.code === r.code)));
    assert.deepEqual(
      missing.map((r) => r.code),
      [],
    );
  });

  it('every fixture names a rule of the catalogue (or is clean), and its codes exist', () => {
    const codes = new Set(RULES.map((r) => r.code));
    for (const f of FIXTURES) {
      if (f.rule !== undefined) assert.ok(codes.has(f.rule), `${f.name}: unknown rule ${f.rule}`);
      else if (!f.combined) assert.deepEqual(f.expect, [], `${f.name}: a fixture without a rule must be clean or combined`);
      for (const e of f.expect) assert.ok(codes.has(e.code), `${f.name}: unknown code ${e.code}`);
    }
  });

  it('fixture names are unique', () => {
    const names = FIXTURES.map((f) => f.name);
    assert.equal(new Set(names).size, names.length);
  });
});
