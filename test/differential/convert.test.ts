import { strict as assert } from 'node:assert';
import { ORACLES, OracleName } from '../oracles';
import { FIXTURES, FixtureSpec, MapEntry, qemuConvert, qemuMap, run, sharedFixtures } from '../fixtures';
import { scratchPath } from '../fixtures/files';
import { fileDifference, hddLens } from './cli';

/** qemu-img 7.2's map has no "compressed" key; 10.x always says false. */
function comparableMap(entries: MapEntry[], withCompressed: boolean): MapEntry[] {
  return entries.map((e) => {
    const { compressed, ...rest } = e;
    return withCompressed ? { ...rest, compressed } : rest;
  });
}

/** hdd-lens's reading of an image, made once and compared with each QEMU version's. */
async function ours(image: string): Promise<{ raw: string; map: MapEntry[] }> {
  const raw = await scratchPath(`${image}.hdd-lens.raw`);
  const conv = await hddLens(['convert', image, raw]);
  assert.equal(conv.code, 0, conv.stderr);
  const map = await hddLens(['map', image, '--json']);
  assert.equal(map.code, 0, map.stderr);
  return { raw, map: JSON.parse(map.stdout) as MapEntry[] };
}

function title(spec: FixtureSpec, reads: OracleName[]): string {
  if (reads.length === 0) return `${spec.name}: no QEMU version reads it`;
  if (spec.notComparable) return `${spec.name}: read by ${reads.join(', ')}, not compared (${spec.notComparable})`;
  return `${spec.name}: convert and map equal those of ${reads.join(', ')}`;
}

describe('differential: hdd-lens reads the guest disk as QEMU does', function () {
  let paths: Map<string, string>;
  before(async () => {
    paths = await sharedFixtures();
  });

  for (const spec of FIXTURES) {
    it(title(spec, spec.qemuReads), async () => {
      const image = paths.get(spec.name)!;
      const mine = spec.qemuReads.length > 0 && !spec.notComparable ? await ours(image) : undefined;
      for (const oracle of ORACLES) {
        const q = oracle.get();
        const theirs = await scratchPath(`${spec.name}.${oracle.name}.raw`);
        if (!spec.qemuReads.includes(oracle.name)) {
          const r = await run(q.img, ['convert', '-f', 'parallels', '-O', 'raw', image, theirs]);
          assert.notEqual(r.code, 0, `${oracle.name} reads an image the fixture says it cannot read: update qemuReads`);
          continue;
        }
        await qemuConvert(q, image, theirs);
        if (!mine) continue;
        assert.equal(await fileDifference(mine.raw, theirs), undefined, `hdd-lens convert differs from ${oracle.name}'s`);
        const withCompressed = oracle.name !== 'qemu72';
        assert.deepEqual(comparableMap(mine.map, withCompressed), comparableMap(await qemuMap(q, image), withCompressed), `map vs ${oracle.name}`);
      }
    });
  }
});
