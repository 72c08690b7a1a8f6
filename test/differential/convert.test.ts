import { strict as assert } from 'node:assert';
import { ORACLES, type Oracle, type OracleName } from '../oracles';
import { FIXTURES, type FixtureSpec, type MapEntry, qemuMap, run, sharedFixtures } from '../fixtures';
import { scratchPath } from '../fixtures/files';
import { fileDifference, hddLens } from './cli';

/** qemu-img 7.2's map has no "compressed" key; 10.x always says false. */
function comparableMap(entries: MapEntry[], withCompressed: boolean): MapEntry[] {
  return entries.map((e) => {
    const { compressed, ...rest } = e;
    return withCompressed ? { ...rest, compressed } : rest;
  });
}

interface Reading {
  raw: string;
  map: MapEntry[];
}

/** hdd-lens's reading of an image (convert and map run side by side), made once and compared with each QEMU's. */
async function ours(image: string): Promise<Reading> {
  const raw = await scratchPath(`${image}.hdd-lens.raw`);
  const [conv, map] = await Promise.all([hddLens(['convert', image, raw]), hddLens(['map', image, '--json'])]);
  assert.equal(conv.code, 0, conv.stderr);
  assert.equal(map.code, 0, map.stderr);
  return { raw, map: JSON.parse(map.stdout) as MapEntry[] };
}

/** A QEMU version's reading, or its exit code when it refuses the image. */
async function theirs(q: Oracle, image: string): Promise<Reading | number> {
  const raw = await scratchPath(`${image}.${q.version}.raw`);
  const r = await run(q.img, ['convert', '-f', 'parallels', '-O', 'raw', image, raw]);
  if (r.code !== 0) return r.code;
  return { raw, map: await qemuMap(q, image) };
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
      const compare = spec.qemuReads.length > 0 && !spec.notComparable;
      const [mine, ...readings] = await Promise.all([compare ? ours(image) : undefined, ...ORACLES.map((o) => theirs(o.get(), image))]);
      for (const [i, oracle] of ORACLES.entries()) {
        const reading = readings[i];
        if (!spec.qemuReads.includes(oracle.name)) {
          assert.equal(typeof reading, 'number', `${oracle.name} reads an image the fixture says it cannot read: update qemuReads`);
          continue;
        }
        assert.notEqual(typeof reading, 'number', `${oracle.name} refuses an image the fixture says it reads (exit ${String(reading)})`);
        if (!mine || typeof reading === 'number') continue;
        assert.equal(await fileDifference(mine.raw, reading.raw), undefined, `hdd-lens convert differs from ${oracle.name}'s`);
        const withCompressed = oracle.name !== 'qemu72';
        assert.deepEqual(comparableMap(mine.map, withCompressed), comparableMap(reading.map, withCompressed), `map vs ${oracle.name}`);
      }
    });
  }
});
