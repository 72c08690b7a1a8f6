import { strict as assert } from 'node:assert';
import { BAT_OFFSET, H } from '../../shared/format/constants';
import { sharedFixtures } from '../fixtures';
import { CLUSTER, EXT64K, WITH_BITMAP, extLayout } from '../fixtures/specs/layout';
import { LspClient } from './lspClient';
import { byteRange } from './positions';

const hex = (v: number): string => `0x${v.toString(16)}`;

describe('server hover', function () {
  this.timeout(60000);
  let client: LspClient;
  let paths: Map<string, string>;

  /** Opens a fixture and waits for its diagnostics, so hovers see the checked state. */
  const open = async (name: string): Promise<string> => (await client.openFixture(paths, name)).uri;

  before(async () => {
    paths = await sharedFixtures();
    client = await LspClient.start();
  });
  after(() => client?.stop());

  it('on a header field: its name, decoded value and requirement, over the field bytes', async () => {
    const uri = await open('clean-ext64k');
    const h = await client.hoverAt(uri, H.tracks + 1);
    assert.ok(h);
    assert.match(h.text, /tracks \(cluster size\)/);
    assert.match(h.text, /header\.tracks/);
    assert.match(h.text, new RegExp(`${EXT64K.tracks} sectors = 64 KiB`));
    assert.match(h.text, /cluster size in sectors/);
    assert.deepEqual(h.range, byteRange(H.tracks, 4));
  });

  it('on a BAT entry: index, guest range, host cluster and the findings on it with their rule', async () => {
    const uri = await open('bat-entry-duplicate');
    const at = BAT_OFFSET + EXT64K.free * 4;
    const h = await client.hoverAt(uri, at + 2);
    assert.ok(h);
    const host = EXT64K.entry[0] * CLUSTER;
    assert.match(h.text, new RegExp(`BAT entry ${EXT64K.free}\\b`));
    assert.ok(h.text.includes(`guest ${hex(EXT64K.free * CLUSTER)}-${hex((EXT64K.free + 1) * CLUSTER - 1)}`), h.text);
    assert.ok(h.text.includes(`host ${hex(host)}-${hex(host + CLUSTER - 1)}`), h.text);
    assert.match(h.text, /`bat-entry-duplicate`: BAT entry 7 .* overlaps the cluster of BAT entry 0/);
    assert.match(h.text, /Two BAT entries share host bytes/);
    assert.match(h.text, /Repair: copy the shared cluster/);
    assert.deepEqual(h.range, byteRange(at, 4));
  });

  it('on a data byte: the guest offsets it backs (both, when two entries share the cluster)', async () => {
    const uri = await open('bat-entry-duplicate');
    const host = EXT64K.entry[0] * CLUSTER;
    const h = await client.hoverAt(uri, host + 5);
    assert.ok(h);
    assert.match(h.text, /data cluster of BAT entries 0, 7/);
    assert.ok(h.text.includes(`guest 0x5 (BAT entry 0), guest ${hex(EXT64K.free * CLUSTER + 5)} (BAT entry ${EXT64K.free})`), h.text);
    assert.deepEqual(h.range, byteRange(host, CLUSTER));
  });

  it('on unreferenced and leaked space', async () => {
    const unref = await open('unreferenced-clusters');
    const u = await client.hoverAt(unref, 2 * CLUSTER + 9);
    assert.match(u?.text ?? '', /unreferenced space/);
    assert.match(u?.text ?? '', /`unreferenced-clusters`/);
    const leaked = await open('leaked-tail');
    const l = await client.hoverAt(leaked, EXT64K.fileEnd + 3);
    assert.match(l?.text ?? '', /leaked space/);
    assert.match(l?.text ?? '', /`leaked-tail`/);
    assert.deepEqual(l?.range, byteRange(EXT64K.fileEnd, CLUSTER));
  });

  it('on the format extension: a bitmap L1 entry and the bitmap cluster it points at', async () => {
    const uri = await open('clean-bitmap');
    const { l1 } = extLayout(WITH_BITMAP.ext);
    const e = await client.hoverAt(uri, l1 + 3);
    assert.match(e?.text ?? '', /L1 entry 0/);
    assert.ok((e?.text ?? '').includes(`cluster at ${hex(WITH_BITMAP.bitmapCluster)}`), e?.text);
    const b = await client.hoverAt(uri, WITH_BITMAP.bitmapCluster + 100);
    assert.match(b?.text ?? '', /dirty bitmap data cluster/);
  });

  it('nothing past the end of the file', async () => {
    const uri = await open('clean-ext64k');
    assert.equal(await client.hoverAt(uri, EXT64K.fileEnd + 16), null);
  });
});
