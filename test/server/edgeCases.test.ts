import { strict as assert } from 'node:assert';
import { stat } from 'node:fs/promises';
import { BAT_OFFSET, H } from '../../shared/format/constants';
import * as P from '../../shared/protocol';
import { sharedFixtures } from '../fixtures';
import { CLUSTER, EXT64K } from '../fixtures/specs/layout';
import { LspClient } from './lspClient';

describe('server on irregular and undecodable images', function () {
  this.timeout(60000);
  let client: LspClient;
  let paths: Map<string, string>;

  const open = (name: string): Promise<{ uri: string; path: string }> => client.openFixture(paths, name, 1);

  before(async () => {
    paths = await sharedFixtures();
    client = await LspClient.start();
  });
  after(() => client?.stop());

  it('a misaligned entry: its bytes back two guest offsets where it overlaps, and its clusters are corrupt in the map', async () => {
    const { uri, path } = await open('bat-entry-misaligned');
    const host0 = EXT64K.entry[0] * CLUSTER;
    const overlap = host0 + CLUSTER / 2 + 1;
    assert.deepEqual(await client.request(P.hostToGuestRequest, { uri, hostOffset: overlap }), [
      { guestOffset: CLUSTER / 2 + 1, batIndex: 0, hostOffset: overlap },
      { guestOffset: EXT64K.free * CLUSTER + 1, batIndex: EXT64K.free, hostOffset: overlap },
    ]);
    const h = await client.hoverAt(uri, overlap);
    assert.match(h?.text ?? '', /data cluster of BAT entries 0, 7/);
    const map = await client.request(P.allocationMap, { uri, buckets: 5 });
    const size = (await stat(path)).size;
    const total = (k: 'metadata' | 'allocated' | 'free' | 'corrupt'): number => map?.buckets.reduce((n, b) => n + b[k], 0) ?? 0;
    // Entry 7's cluster starts half-way into guest 0's: both are suspect, together one and a half clusters.
    assert.equal(total('corrupt'), CLUSTER + CLUSTER / 2);
    assert.equal(total('metadata') + total('allocated') + total('free') + total('corrupt'), size);
  });

  it('an undecodable header: the header fields with the finding, the rest unplaced, no fixes', async () => {
    const { uri, path } = await open('bad-magic');
    const h = await client.hoverAt(uri, 3);
    assert.match(h?.text ?? '', /\*\*magic\*\*/);
    assert.match(h?.text ?? '', /`bad-magic`/);
    const after = await client.hoverAt(uri, BAT_OFFSET + 8);
    assert.match(after?.text ?? '', /unreadable: the header is unusable \(magic\)/);
    const size = (await stat(path)).size;
    assert.deepEqual(await client.request(P.regions, { uri, offset: 0, length: 256 }), [
      { offset: 0, length: 64, kind: 'header' },
      { offset: 64, length: 192, kind: 'beyond' },
    ]);
    const tree = await client.request(P.structure, { uri });
    assert.deepEqual(
      tree?.children?.map((c) => c.kind),
      ['header'],
    );
    assert.equal(tree?.length, size);
    assert.deepEqual(tree?.children?.[0].children?.[0].problems, ['bad-magic']);
    assert.equal(await client.request(P.allocationMap, { uri, buckets: 4 }), null);
    const [d] = await client.diagnosticsOf(uri, 1);
    const actions = await client.codeActions(uri, d.range, [d]);
    assert.deepEqual(
      actions.filter((a) => a.title.startsWith('Fix:')),
      [],
    );
  });

  it('a truncated BAT: entries past the end of the file are described as missing', async () => {
    const { uri } = await open('bat-truncated');
    const g = await client.request(P.inspect, { uri, offset: H.batEntries });
    assert.equal(g.field?.path, 'header.nb_bat_entries');
    assert.deepEqual(
      g.findings.map((f) => f.code),
      ['bat-truncated'],
    );
  });
});
