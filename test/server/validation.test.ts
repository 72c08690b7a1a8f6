import { strict as assert } from 'node:assert';
import { statSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { BAT_OFFSET } from '../../shared/format/constants';
import { u32Bytes } from '../../shared/format/le';
import * as P from '../../shared/protocol';
import { fixturePath } from '../fixtures';
import { scratchCopy } from '../fixtures/files';
import { EXT64K } from '../fixtures/specs/layout';
import { LspClient, fileUri } from './lspClient';

const b64 = (data: Uint8Array): string => Buffer.from(data).toString('base64');

describe('server: offsets and sizes from the wire are checked before they reach anything', function () {
  this.timeout(60000);
  let client: LspClient;
  before(async () => {
    client = await LspClient.start();
  });
  after(() => client?.stop());

  it('refuses didChange edits at 2^53+2, 1e300, "abc", sizes -1 and 2^60, with a message; the state stays as it was', async () => {
    const path = await scratchCopy(await fixturePath('clean-ext64k'));
    const uri = fileUri(path);
    await client.openImage(uri, 1);
    assert.deepEqual(await client.diagnosticsOf(uri, 1), []);
    const bad: Array<[Partial<P.DidChangeParams>, RegExp]> = [
      [{ edits: [{ offset: 2 ** 53 + 2, data: 'AAAA' }] }, /patch offset 9007199254740994 is not a safe non-negative integer/],
      [{ edits: [{ offset: 1e300, data: 'AAAA' }] }, /patch offset 1e\+300/],
      [{ edits: [{ offset: 'abc' as unknown as number, data: 'AAAA' }] }, /patch offset abc/],
      [{ edits: [], size: -1 }, /size -1/],
      [{ edits: [], size: 2 ** 60 }, /size 1152921504606847000/],
      [{ edits: [], size: 2 ** 50 }, /far past its size/],
      [{ edits: [], copies: [{ offset: 0, length: -4, from: 0 }] }, /length of the copy to 0 -4/],
      [{ edits: [{ offset: 0, data: '%%%%' }] }, /not base64/],
    ];
    let version = 2;
    for (const [change, message] of bad) {
      await client.change({ uri, version: version++, edits: [], ...change });
      await client.messageWhere((m) => message.test(m) && /didChange of .*nothing was applied/.test(m));
    }
    // A good change after them applies to the state as it was: the refused ones changed nothing.
    await client.change({ uri, version, edits: [{ offset: BAT_OFFSET + EXT64K.free * 4, data: b64(u32Bytes(EXT64K.entry[0])) }] });
    const d = await client.diagnosticsOf(uri, version);
    assert.deepEqual(
      d.map((x) => x.code),
      ['bat-entry-duplicate'],
    );
    assert.equal((await client.request(P.findings, { uri }))?.version, version);
  });

  it('refuses requests whose offsets, lengths or counts are no safe non-negative integers (InvalidParams)', async () => {
    const path = await fixturePath('clean-ext64k');
    const uri = fileUri(path);
    await client.openImage(uri, 1);
    await client.diagnosticsOf(uri, 1);
    const calls: Array<[string, Record<string, unknown>, RegExp]> = [
      [P.inspect.method, { uri, offset: 2 ** 53 + 2 }, /offset 9007199254740994/],
      [P.regions.method, { uri, offset: 0, length: -1 }, /length -1/],
      [P.guestToHostRequest.method, { uri, guestOffset: 'abc' }, /guestOffset "abc"/],
      [P.hostToGuestRequest.method, { uri, hostOffset: 1e300 }, /hostOffset 1e\+300/],
      [P.allocationMap.method, { uri, buckets: -5 }, /buckets -5/],
      [P.structure.method, { uri, batPage: 1.5 }, /batPage 1.5/],
    ];
    for (const [method, params, message] of calls) {
      await assert.rejects(client.connection.sendRequest(method, params), (e: Error & { code?: number }) => {
        assert.equal(e.code, -32602, method);
        assert.match(e.message, message);
        return true;
      });
    }
    // The same requests with good numbers still answer.
    assert.ok((await client.request(P.inspect, { uri, offset: 0 })).field);
  });

  it('every fix names the state it was planned on; a change on disk under the same version is a new state', async () => {
    const path = await scratchCopy(await fixturePath('leaked-tail'));
    const uri = fileUri(path);
    await client.openImage(uri, 1);
    const [d] = await client.diagnosticsOf(uri, 1);
    const offset = (d.data as { offset: number }).offset;
    const [fix] = (await client.request(P.inspect, { uri, offset })).fixes;
    const disk = statSync(path);
    assert.deepEqual(fix.state?.file, P.fileStamp(disk));
    const before = client.published(uri).length;
    await appendFile(path, Buffer.alloc(4096, 7));
    await client.diagnosticsWhere(uri, () => client.published(uri).length > before);
    const [again] = (await client.request(P.inspect, { uri, offset })).fixes;
    assert.equal(again.version, fix.version, 'the same LSP version');
    assert.ok(again.state && fix.state && again.state.generation > fix.state.generation, 'a new generation');
    assert.deepEqual(again.state?.file, P.fileStamp(statSync(path)));
    assert.ok(!P.sameFile(again.state!.file!, fix.state!.file!));
  });
});
