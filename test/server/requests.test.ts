import { strict as assert } from 'node:assert';
import { stat, writeFile } from 'node:fs/promises';
import { checkImage } from '../../shared/engine/check';
import { countFindings } from '../../shared/check/counts';
import { BAT_OFFSET } from '../../shared/format/constants';
import * as P from '../../shared/protocol';
import { qemu10 } from '../oracles';
import { sharedFixtures } from '../fixtures';
import { applyEdits, scratchCopy, scratchPath, withImage } from '../fixtures/files';
import { qemuCheck } from '../fixtures/qemu';
import { CLUSTER, EXT64K } from '../fixtures/specs/layout';
import { LspClient, editsOf, fileUri } from './lspClient';

function isFix(r: unknown): r is P.ApplyFixArgs {
  return r !== null && typeof r === 'object' && 'edits' in r;
}

describe('server custom requests', function () {
  this.timeout(60000);
  let client: LspClient;
  let paths: Map<string, string>;

  const open = (name: string): Promise<{ uri: string; path: string }> => client.openFixture(paths, name, 4);

  before(async () => {
    paths = await sharedFixtures();
    client = await LspClient.start({ settings: { batPageSize: 32 } });
  });
  after(() => client?.stop());

  it('hddLens/findings: the findings of the current version', async () => {
    const { uri } = await open('bat-entry-duplicate');
    const r = await client.request(P.findings, { uri });
    assert.ok(r);
    assert.equal(r.version, 4);
    assert.deepEqual(
      r.findings.map((f) => [f.code, f.offset, f.length, f.batIndex]),
      [['bat-entry-duplicate', BAT_OFFSET + EXT64K.free * 4, 4, EXT64K.free]],
    );
  });

  it('hddLens/findings: null for an image the server does not have open (as declared)', async () => {
    assert.equal(await client.request(P.findings, { uri: fileUri(await scratchPath('never-opened.hdd')) }), null);
  });

  it('hddLens/inspect: field, findings, their fixes, and guest locations of data bytes', async () => {
    const { uri } = await open('bat-entry-duplicate');
    const entry = await client.request(P.inspect, { uri, offset: BAT_OFFSET + EXT64K.free * 4 + 1 });
    assert.equal(entry.field?.path, `bat[${EXT64K.free}]`);
    assert.equal(entry.field?.raw, EXT64K.entry[0]);
    assert.deepEqual(
      entry.findings.map((f) => f.code),
      ['bat-entry-duplicate'],
    );
    assert.equal(entry.fixes.length, 1);
    assert.equal(entry.fixes[0].uri, uri);
    assert.equal(entry.fixes[0].version, 4);
    assert.equal(entry.guest, undefined);
    const host = EXT64K.entry[0] * CLUSTER + 0x123;
    const data = await client.request(P.inspect, { uri, offset: host });
    assert.equal(data.field?.region, 'data');
    assert.deepEqual(data.guest, [
      { guestOffset: 0x123, batIndex: 0, hostOffset: host },
      { guestOffset: EXT64K.free * CLUSTER + 0x123, batIndex: EXT64K.free, hostOffset: host },
    ]);
  });

  it('hddLens/structure of files that are not images: an empty file says so, a text file is greyed as undecodable', async () => {
    const empty = await scratchPath('empty.hdd');
    await writeFile(empty, '');
    const text = await scratchPath('notes.txt');
    await writeFile(text, 'Shopping list: milk, eggs, bread, and a new hard disk for the virtual machine.\n'.repeat(3));
    const trees: P.StructureNode[] = [];
    for (const path of [empty, text]) {
      const uri = fileUri(path);
      await client.openImage(uri, 1);
      await client.diagnosticsOf(uri, 1);
      const tree = await client.request(P.structure, { uri });
      assert.ok(tree);
      trees.push(tree);
    }
    // Empty: no header of 16 NUL "magic" bytes that are not there.
    assert.equal(trees[0].detail, 'the file is empty');
    assert.deepEqual(trees[0].children, []);
    // Text: the header is shown as the bytes would read, every field flagged undecodable.
    const header = trees[1].children?.find((c) => c.kind === 'header');
    assert.ok(header?.undecodable, 'the header is flagged');
    assert.ok((header?.children?.length ?? 0) > 0 && header?.children?.every((f) => f.undecodable), 'every field is flagged');
    assert.match(trees[1].detail ?? '', /^not decodable/);
  });

  it('hddLens/structure: the tree, the BAT in pages of the configured size, one page on request', async () => {
    const { uri } = await open('bat-entry-duplicate');
    const tree = await client.request(P.structure, { uri });
    assert.ok(tree);
    assert.deepEqual(
      tree.children?.map((c) => c.kind),
      ['header', 'bat', 'space', 'data'],
    );
    const header = tree.children?.[0];
    assert.deepEqual(
      header?.children?.map((f) => f.offset),
      [0, 16, 20, 24, 28, 32, 36, 44, 48, 52, 56],
    );
    const bat = tree.children?.[1];
    // 32 bytes per page: 8 entries.
    assert.deepEqual(
      bat?.children?.map((p) => [p.kind, p.batPage, p.offset, p.length]),
      [
        ['batPage', 0, BAT_OFFSET, 32],
        ['batPage', 1, BAT_OFFSET + 32, 32],
      ],
    );
    assert.deepEqual(bat?.children?.[0].problems, ['bat-entry-duplicate']);
    assert.equal(bat?.children?.[1].problems, undefined);
    const page = await client.request(P.structure, { uri, batPage: 0 });
    assert.equal(page?.children?.length, 8);
    const e7 = page?.children?.[EXT64K.free];
    assert.equal(e7?.kind, 'batEntry');
    assert.equal(e7?.offset, BAT_OFFSET + EXT64K.free * 4);
    assert.deepEqual(e7?.problems, ['bat-entry-duplicate']);
    assert.equal(await client.request(P.structure, { uri, batPage: 2 }), null);
  });

  it('hddLens/allocationMap: every byte counted once; the shared cluster corrupt, a leaked tail free', async () => {
    const { uri, path } = await open('bat-entry-duplicate');
    const size = (await stat(path)).size;
    const map = await client.request(P.allocationMap, { uri, buckets: 10 });
    assert.ok(map);
    assert.equal(map.fileSize, size);
    const sum = (k: 'metadata' | 'allocated' | 'free' | 'corrupt'): number => map.buckets.reduce((n, b) => n + b[k], 0);
    for (const b of map.buckets) assert.equal(b.metadata + b.allocated + b.free + b.corrupt, b.length);
    assert.equal(
      map.buckets.reduce((n, b) => n + b.length, 0),
      size,
    );
    assert.deepEqual(
      { metadata: sum('metadata'), allocated: sum('allocated'), corrupt: sum('corrupt'), free: sum('free') },
      {
        metadata: CLUSTER,
        allocated: 3 * CLUSTER,
        corrupt: CLUSTER,
        free: 0,
      },
    );
    const leaked = await open('leaked-tail');
    const lm = await client.request(P.allocationMap, { uri: leaked.uri, buckets: 3 });
    assert.equal(
      lm?.buckets.reduce((n, b) => n + b.free, 0),
      CLUSTER,
    );
  });

  it('hddLens/regions: the kinds of a window only, not cut at findings (the webview overlays their severity)', async () => {
    const { uri } = await open('bat-entry-duplicate');
    const regions = await client.request(P.regions, { uri, offset: 0, length: 0x30000 });
    assert.deepEqual(regions, [
      { offset: 0, length: BAT_OFFSET, kind: 'header' },
      { offset: BAT_OFFSET, length: EXT64K.entries * 4, kind: 'bat' },
      { offset: BAT_OFFSET + EXT64K.entries * 4, length: CLUSTER - BAT_OFFSET - EXT64K.entries * 4, kind: 'padding' },
      { offset: CLUSTER, length: 2 * CLUSTER, kind: 'data' },
    ]);
  });

  it('hddLens/guestToHost and hddLens/hostToGuest through the BAT', async () => {
    const { uri } = await open('clean-ext64k');
    const guest = 5 * CLUSTER + 7;
    assert.deepEqual(await client.request(P.guestToHostRequest, { uri, guestOffset: guest }), {
      guestOffset: guest,
      batIndex: 5,
      hostOffset: EXT64K.entry[5] * CLUSTER + 7,
    });
    assert.deepEqual(await client.request(P.guestToHostRequest, { uri, guestOffset: 3 * CLUSTER }), { guestOffset: 3 * CLUSTER, batIndex: 3 });
    assert.equal(await client.request(P.guestToHostRequest, { uri, guestOffset: 16 * CLUSTER }), null);
    assert.deepEqual(await client.request(P.hostToGuestRequest, { uri, hostOffset: EXT64K.entry[5] * CLUSTER + 7 }), [
      { guestOffset: guest, batIndex: 5, hostOffset: EXT64K.entry[5] * CLUSTER + 7 },
    ]);
    assert.deepEqual(await client.request(P.hostToGuestRequest, { uri, hostOffset: 0x30 }), []);
  });

  it('hddLens/planRepair: a plan that repairs the image (engine and qemu-img 10 agree)', async () => {
    const { uri, path } = await open('bat-entry-duplicate');
    const plan = await client.request(P.planRepairRequest, { uri, mode: 'all' });
    assert.ok(isFix(plan), JSON.stringify(plan));
    assert.equal(plan.title, 'Fix all corruptions');
    const copy = await scratchCopy(path);
    await applyEdits(copy, editsOf(plan));
    const after = withImage(copy, (src) => checkImage(src).findings);
    assert.deepEqual(
      after.map((f) => f.code),
      [],
    );
    const q = await qemuCheck(qemu10(), await scratchCopy(copy));
    assert.equal(q.code, 0, q.stdout + q.stderr);
  });

  it('a request sent with positional parameters ([params, null], as a client passing an undefined token does) is answered as by name', async () => {
    const { uri } = await open('bat-entry-duplicate');
    const byName = await client.request(P.planRepairRequest, { uri, mode: 'all' });
    const positional = await client.connection.sendRequest(P.planRepairRequest.method, { uri, mode: 'all' }, null);
    assert.deepEqual(positional, byName);
  });

  it('hddLens/planRepair leaks: truncates a leaked tail, nothing else', async () => {
    const { uri, path } = await open('leaked-tail');
    const plan = await client.request(P.planRepairRequest, { uri, mode: 'leaks' });
    assert.ok(isFix(plan));
    assert.deepEqual({ edits: plan.edits, size: plan.size }, { edits: [], size: EXT64K.fileEnd });
    const copy = await scratchCopy(path);
    await applyEdits(copy, editsOf(plan));
    assert.deepEqual(
      withImage(copy, (src) => countFindings(checkImage(src).findings)),
      { corruptions: 0, leaks: 0, warnings: 0, infos: 0 },
    );
    const q = await qemuCheck(qemu10(), await scratchCopy(copy));
    assert.equal(q.code, 0, q.stdout + q.stderr);
  });

  it('hddLens/planRepair refuses on an unknown NECESSARY feature; nothing to do gives null', async () => {
    const { uri } = await open('ext-unknown-necessary');
    const refused = await client.request(P.planRepairRequest, { uri, mode: 'all' });
    assert.ok(refused && 'refused' in refused && /refusing to write/.test(refused.refused), JSON.stringify(refused));
    const clean = await open('clean-ext64k');
    assert.equal(await client.request(P.planRepairRequest, { uri: clean.uri, mode: 'all' }), null);
  });
});
