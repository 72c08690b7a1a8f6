import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CodeAction,
  type Diagnostic,
  type DocumentLink,
  type DocumentSymbol,
  type Location,
  type TextDocumentEdit,
  TextEdit,
} from 'vscode-languageserver-protocol/node';
import { localName, sharedBundles, ALL_BUNDLES } from '../fixtures/bundles';
import { LspClient, fileUri } from './lspClient';

/** DiskDescriptor.xml over a real LSP connection: the server checks the bundle it describes. */
describe('language server: DiskDescriptor.xml', function () {
  this.timeout(120000);
  let client: LspClient;
  let dirs: Map<string, string>;

  before(async () => {
    dirs = (await sharedBundles()).dirs;
    client = await LspClient.start();
  });
  after(() => client.stop());

  async function open(name: string, version = 1, text?: string): Promise<{ uri: string; text: string; diagnostics: Diagnostic[] }> {
    const path = join(dirs.get(name) as string, 'DiskDescriptor.xml');
    const uri = fileUri(path);
    const content = text ?? readFileSync(path, 'utf8');
    await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'xml', version, text: content } });
    return { uri, text: content, diagnostics: await client.diagnosticsOf(uri, version) };
  }

  function close(uri: string): Promise<void> {
    return client.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  it('puts each finding on the element at fault; a quick fix edits the text, and the edited text checks clean', async () => {
    const { uri, text, diagnostics } = await open('disk-size-mismatch');
    const d = diagnostics.find((x) => x.code === 'descriptor-disk-size-mismatch') as Diagnostic;
    assert.deepEqual(d.range, { start: { line: 3, character: 8 }, end: { line: 3, character: 35 } });
    const actions = (await client.codeActions(uri, d.range, [d])) as CodeAction[];
    assert.equal(actions.length, 1);
    const change = actions[0].edit?.documentChanges?.[0] as TextDocumentEdit;
    assert.deepEqual(change.edits, [TextEdit.replace({ start: { line: 3, character: 19 }, end: { line: 3, character: 23 } }, '2048')]);
    const fixed = text.replace('<Disk_size>4096</Disk_size>', '<Disk_size>2048</Disk_size>');
    await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: fixed }] });
    assert.deepEqual(
      (await client.diagnosticsOf(uri, 2)).map((x) => x.code),
      [],
    );
    await close(uri);
  });

  it('reports XML that does not parse at its line, and a dangling ParentGUID on that element', async () => {
    const bad = await open('xml-malformed');
    assert.deepEqual(
      bad.diagnostics.map((x) => x.code),
      ['descriptor-xml-malformed'],
    );
    assert.ok(bad.diagnostics[0].range.start.line > 20);
    await close(bad.uri);
    const dangling = await open('chain-dangling');
    const d = dangling.diagnostics.find((x) => x.code === 'bundle-chain-broken') as Diagnostic;
    assert.match(dangling.text.split('\n')[d.range.start.line], /<ParentGUID>\{66666666/);
    await close(dangling.uri);
  });

  it('a Blocksize that disagrees with an image is flagged on <Blocksize>; image findings land on their <File>', async () => {
    const r = await open('blocksize-mismatch');
    const d = r.diagnostics.find((x) => x.code === 'bundle-blocksize-mismatch') as Diagnostic;
    assert.match(r.text.split('\n')[d.range.start.line], /<Blocksize>128<\/Blocksize>/);
    await close(r.uri);
    const lower = await open('lower-in-use');
    const unclean = lower.diagnostics.find((x) => x.code === 'image-unclean') as Diagnostic;
    assert.match(lower.text.split('\n')[unclean.range.start.line], /<File>d\.hdd\.0\.\{11111111/);
    await close(lower.uri);
  });

  it('hover on File and GUID says what the image holds; links go to the image; ParentGUID leads to its Shot', async () => {
    const r = await open('inactive-branch');
    const lines = r.text.split('\n');
    const fileLine = lines.findIndex((l) => l.includes('<File>My Disk.hdd.0.{11111111'));
    const hover = await client.hover(r.uri, fileLine, lines[fileLine].indexOf('My Disk') + 2);
    assert.match(hover?.text ?? '', /v1, cluster 65536 bytes, size 1048576 bytes, 3 allocated clusters, in_use 0x0/);
    const guidLine = lines.findIndex((l) => l.includes('<GUID>{66666666'));
    assert.match((await client.hover(r.uri, guidLine, lines[guidLine].indexOf('{') + 3))?.text ?? '', /an inactive snapshot/);
    const links = (await client.connection.sendRequest('textDocument/documentLink', { textDocument: { uri: r.uri } })) as DocumentLink[];
    const spec = ALL_BUNDLES.find((f) => f.spec.name === 'inactive-branch')?.spec;
    assert.deepEqual(
      links.map((l) => l.target).sort(),
      (spec?.storages[0].images ?? []).map((i) => fileUri(join(dirs.get('inactive-branch') as string, localName(i.file)))).sort(),
    );
    const parentLine = lines.findIndex((l) => l.includes('<ParentGUID>{11111111'));
    const def = (await client.connection.sendRequest('textDocument/definition', {
      textDocument: { uri: r.uri },
      position: { line: parentLine, character: lines[parentLine].indexOf('{') + 2 },
    })) as Location;
    assert.match(lines[def.range.start.line], /<Shot>/);
    assert.match(lines[def.range.start.line + 1], /<GUID>\{11111111/);
    await close(r.uri);
  });

  it('the outline is the snapshot tree, with the top, the active chain and inactive branches', async () => {
    const r = await open('inactive-branch');
    const symbols = await client.symbols(r.uri);
    const show = (s: DocumentSymbol): unknown => [s.name, s.detail, (s.children ?? []).map(show)];
    assert.deepEqual(symbols.map(show), [
      [
        '{11111111-2222-4333-8444-555555555555}',
        'active',
        [
          ['{66666666-7777-4888-9999-aaaaaaaaaaaa}', 'inactive', []],
          ['{bbbbbbbb-cccc-4ddd-8eee-ffffffffffff}', 'active', [['{5fbaabe3-6958-40ff-92a7-860e329aab41}', 'top', []]]],
        ],
      ],
    ]);
    await close(r.uri);
  });

  it('follows the rules settings: an ignored rule is not shown, a severity override applies', async () => {
    const other = await LspClient.start({
      settings: { rules: { ignore: ['descriptor-chs-mismatch'], severity: { 'descriptor-disk-size-mismatch': 'hint' } } },
    });
    try {
      const path = join(dirs.get('disk-size-mismatch') as string, 'DiskDescriptor.xml');
      const uri = fileUri(path);
      await other.connection.sendNotification('textDocument/didOpen', {
        textDocument: { uri, languageId: 'xml', version: 1, text: readFileSync(path, 'utf8') },
      });
      const d = await other.diagnosticsOf(uri, 1);
      assert.deepEqual(
        d.map((x) => [x.code, x.severity]),
        [['descriptor-disk-size-mismatch', 4]],
      );
    } finally {
      await other.stop();
    }
  });
});
