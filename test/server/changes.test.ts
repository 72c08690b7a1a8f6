import { strict as assert } from 'node:assert';
import { open as openFile } from 'node:fs/promises';
import { BAT_OFFSET, H } from '../../shared/format/constants';
import { u32Bytes } from '../../shared/format/le';
import * as P from '../../shared/protocol';
import { fixturePath } from '../fixtures';
import { applyEdits, scratchCopy } from '../fixtures/files';
import { CLUSTER, EXT64K } from '../fixtures/specs/layout';
import { LspClient, fileUri } from './lspClient';
import { byteRange } from './positions';

const b64 = (data: Uint8Array): string => Buffer.from(data).toString('base64');
const entryAt = (i: number): number => BAT_OFFSET + i * 4;
const codes = (d: Array<{ code?: number | string }>): Array<number | string | undefined> => d.map((x) => x.code).sort();

/**
 * The sequence of edits both check paths must follow: a BAT entry made a duplicate (the incremental path), undone,
 * the file grown (a full re-check), then a header field changed.
 */
async function editSequence(client: LspClient, uri: string): Promise<void> {
  await client.openImage(uri, 1);
  assert.deepEqual(await client.diagnosticsOf(uri, 1), []);

  await client.change({ uri, version: 2, edits: [{ offset: entryAt(EXT64K.free), data: b64(u32Bytes(EXT64K.entry[0])) }] });
  const v2 = await client.diagnosticsOf(uri, 2);
  assert.deepEqual(codes(v2), ['bat-entry-duplicate']);
  assert.deepEqual(v2[0].range, byteRange(entryAt(EXT64K.free), 4));
  assert.match((await client.hoverAt(uri, entryAt(EXT64K.free)))?.text ?? '', /bat-entry-duplicate/);

  // Undo arrives as the edit that restores the bytes.
  await client.change({ uri, version: 3, edits: [{ offset: entryAt(EXT64K.free), data: b64(u32Bytes(0)) }] });
  assert.deepEqual(await client.diagnosticsOf(uri, 3), []);

  await client.change({ uri, version: 4, edits: [], size: EXT64K.fileEnd + CLUSTER });
  const v4 = await client.diagnosticsOf(uri, 4);
  assert.deepEqual(codes(v4), ['leaked-tail']);
  assert.deepEqual(v4[0].data, { offset: EXT64K.fileEnd, length: CLUSTER });

  await client.change({ uri, version: 5, edits: [{ offset: H.inUse, data: b64(u32Bytes(0x746f6e59)) }], size: EXT64K.fileEnd });
  assert.deepEqual(codes(await client.diagnosticsOf(uri, 5)), ['image-unclean']);

  // Two entries in one change: one pointing past the end of the file, one sharing guest 5's cluster.
  await client.change({
    uri,
    version: 6,
    edits: [
      { offset: entryAt(3), data: b64(u32Bytes(EXT64K.fileEnd / CLUSTER + 2)) },
      { offset: entryAt(9), data: b64(u32Bytes(EXT64K.entry[5])) },
    ],
  });
  const v6 = await client.diagnosticsOf(uri, 6);
  assert.deepEqual(codes(v6), ['bat-entry-beyond-eof', 'bat-entry-duplicate', 'image-unclean']);
  const findings = await client.request(P.findings, { uri });
  assert.ok(findings);
  assert.equal(findings.version, 6);
  assert.deepEqual(findings.findings.find((f) => f.code === 'bat-entry-duplicate')?.batIndex, 9);
}

describe('server document changes', function () {
  this.timeout(60000);

  for (const [name, options] of [
    ['checked inline, BAT edits followed incrementally', {}],
    ['checked in the worker thread', { initializationOptions: { inlineCheckEntries: 0 } }],
  ] as const) {
    it(`diagnostics follow didChange edits and their versions (${name})`, async () => {
      const client = await LspClient.start(options);
      try {
        const path = await scratchCopy(await fixturePath('clean-ext64k'));
        await editSequence(client, fileUri(path));
      } finally {
        await client.stop();
      }
    });
  }

  it('didSave drops the overlay and reads the file again', async () => {
    const client = await LspClient.start();
    try {
      const path = await scratchCopy(await fixturePath('clean-ext64k'));
      const uri = fileUri(path);
      await client.openImage(uri, 1);
      await client.diagnosticsOf(uri, 1);
      const edit = { offset: entryAt(EXT64K.free), data: u32Bytes(EXT64K.entry[0]) };
      await client.change({ uri, version: 2, edits: [{ offset: edit.offset, data: b64(edit.data) }] });
      assert.deepEqual(codes(await client.diagnosticsOf(uri, 2)), ['bat-entry-duplicate']);
      // The client writes the document, then says so.
      await applyEdits(path, { patches: [edit] });
      await client.connection.sendNotification(P.didSave.method, { uri, version: 3 });
      assert.deepEqual(codes(await client.diagnosticsOf(uri, 3)), ['bat-entry-duplicate']);
      // The overlay is gone: restoring the file on disk clears the finding.
      await applyEdits(path, { patches: [{ offset: edit.offset, data: u32Bytes(0) }] });
      await client.connection.sendNotification(P.didSave.method, { uri, version: 4 });
      assert.deepEqual(await client.diagnosticsOf(uri, 4), []);
    } finally {
      await client.stop();
    }
  });

  it('re-validates when the file changes on disk while open', async () => {
    const client = await LspClient.start();
    try {
      const path = await scratchCopy(await fixturePath('clean-ext64k'));
      const uri = fileUri(path);
      await client.openImage(uri, 1);
      assert.deepEqual(await client.diagnosticsOf(uri, 1), []);
      const f = await openFile(path, 'r+');
      await f.write(u32Bytes(0x746f6e59), 0, 4, H.inUse);
      await f.close();
      const p = await client.diagnosticsWhere(uri, (x) => x.diagnostics.some((d) => d.code === 'image-unclean'));
      assert.equal(p.version, 1);
    } finally {
      await client.stop();
    }
  });

  it('leaves a file to the client that watches it (one watcher per document); watches it again once that client closes it', async () => {
    const client = await LspClient.start();
    const markInUse = async (path: string): Promise<void> => {
      const f = await openFile(path, 'r+');
      await f.write(u32Bytes(0x746f6e59), 0, 4, H.inUse);
      await f.close();
    };
    const unclean = (x: { diagnostics: Array<{ code?: number | string }> }): boolean => x.diagnostics.some((d) => d.code === 'image-unclean');
    try {
      const clean = await fixturePath('clean-ext64k');
      const [watched, sentinel] = [await scratchCopy(clean), await scratchCopy(clean)];
      const [uri, sentinelUri] = [fileUri(watched), fileUri(sentinel)];
      await client.connection.sendNotification(P.didOpen.method, { uri, version: 1, clientWatches: true } satisfies P.DidOpenParams);
      await client.openImage(sentinelUri, 1);
      await client.diagnosticsOf(uri, 1);
      await client.diagnosticsOf(sentinelUri, 1);
      // A structure view of the same image keeps it open on the server after the client closes it.
      const view = P.structureUri(uri);
      await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: view, languageId: 'hdd-structure', version: 1, text: '' } });
      const before = client.published(uri).length;
      // The client's file first: a server watcher of it would settle first, and publish before the sentinel.
      await markInUse(watched);
      await markInUse(sentinel);
      // The sentinel, watched by the server, is re-checked; the client's file is not (the client resyncs it itself).
      await client.diagnosticsWhere(sentinelUri, unclean);
      assert.deepEqual(client.published(uri).slice(before), [], 'no publication for the change on disk');
      // The client resyncs as after its own watcher fired: didOpen again, the file read afresh.
      await client.connection.sendNotification(P.didOpen.method, { uri, version: 3, clientWatches: true } satisfies P.DidOpenParams);
      assert.ok(unclean(await client.diagnosticsWhere(uri, (x) => x.version === 3)));
      // The client closes it; the structure view still shows it: the server watches the file from now on.
      await client.connection.sendNotification(P.didClose.method, { uri });
      const f = await openFile(watched, 'r+');
      await f.write(u32Bytes(0), 0, 4, H.inUse);
      await f.close();
      await client.diagnosticsWhere(view, (x) => x.diagnostics.length === 0);
    } finally {
      await client.stop();
    }
  });

  it('accepts textDocument/didOpen of a .hdd file from other editors (the text is ignored)', async () => {
    const client = await LspClient.start();
    try {
      const uri = fileUri(await fixturePath('image-unclean'));
      await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'plaintext', version: 12, text: 'ignored' } });
      assert.deepEqual(codes(await client.diagnosticsOf(uri, 12)), ['image-unclean']);
      await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
      const cleared = await client.diagnosticsWhere(uri, (x) => x.version === undefined && x.diagnostics.length === 0);
      assert.ok(cleared);
    } finally {
      await client.stop();
    }
  });
});
