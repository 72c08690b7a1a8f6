import { strict as assert } from 'node:assert';
import { checkReport, withFile } from '../../shared/ops/check';
import { checkReportStreamed } from '../../shared/ops/streamCheck';
import { sharedFixtures } from '../fixtures';
import { dataImage } from './helpers';

describe('check with the BAT streamed (the CLI path without -r) reports exactly what the full decode reports', function () {
  this.timeout(120000);
  let fixtures: Map<string, string>;
  before(async () => {
    fixtures = await sharedFixtures();
  });

  it('on every fixture, whole and in chunks of 1, 7 and 64 entries (chunk boundaries)', async () => {
    assert.ok(fixtures.size > 40);
    const fragmented = await dataImage();
    assert.ok(withFile(fragmented, checkReport).fragmentedClusters > 0);
    for (const [name, path] of [...fixtures, ['fragmented', fragmented]]) {
      const expected = withFile(path, checkReport);
      for (const chunkEntries of [undefined, 1, 7, 64]) {
        assert.deepEqual(await checkReportStreamed(path, { chunkEntries }), expected, `${name}, chunks of ${chunkEntries ?? 'default'}`);
      }
    }
  });
});
