import { strict as assert } from 'node:assert';
import { readFile, stat } from 'node:fs/promises';
import type { CodeAction, Diagnostic } from 'vscode-languageserver-protocol';
import { checkImage } from '../../shared/engine/check';
import { sharedFixtures } from '../fixtures';
import { applyEdits, scratchCopy, withImage } from '../fixtures/files';
import { CLUSTER, EXT64K } from '../fixtures/specs/layout';
import { LspClient, editsOf, fileUri, fixOf } from './lspClient';

/**
 * Issue 12.3 as the editor meets it, through the real language server: on the README's example (a duplicate BAT
 * entry and a leaked cluster) the hover card's quick fix for the duplicate puts the copy where Fix all does (into
 * the leaked cluster), and the quick fixes applied one by one, in either order, end with Fix all's bytes.
 */
describe('server quick fixes one by one end where Fix all ends', function () {
  let client: LspClient;
  let original: string;
  let version = 10;
  before(async () => {
    original = (await sharedFixtures()).get('combined-duplicate-leak') ?? '';
    client = await LspClient.start();
  });
  after(() => client?.stop());

  async function actionsOf(path: string): Promise<{ diagnostics: Diagnostic[]; actions: (d: Diagnostic) => Promise<CodeAction[]> }> {
    const uri = fileUri(path);
    const v = version++;
    await client.openImage(uri, v);
    const diagnostics = await client.diagnosticsOf(uri, v);
    return { diagnostics, actions: (d) => client.codeActions(uri, d.range, [d]) };
  }

  /**
   * The quick fix of the first diagnostic with `code` (or of the first one that has one), applied to a fresh copy
   * of the file (each state is a new document for the server); undefined when there is none.
   */
  async function fixOne(path: string, code?: string): Promise<string | undefined> {
    const { diagnostics, actions } = await actionsOf(path);
    for (const d of diagnostics.filter((x) => code === undefined || x.code === code)) {
      const quick = (await actions(d)).find((a) => a.title.startsWith('Fix:'));
      if (!quick) continue;
      const next = await scratchCopy(path);
      await applyEdits(next, editsOf(fixOf(quick)));
      return next;
    }
    return undefined;
  }

  async function fixAll(): Promise<Buffer> {
    const copy = await scratchCopy(original);
    const { diagnostics, actions } = await actionsOf(copy);
    const all = (await actions(diagnostics[0])).find((a) => a.title === 'Fix all corruptions');
    assert.ok(all, 'Fix all corruptions is offered');
    // Planned when chosen (codeAction/resolve), as VS Code resolves it.
    await applyEdits(copy, editsOf(fixOf(await client.resolve(all))));
    return readFile(copy);
  }

  for (const first of ['bat-entry-duplicate', 'leaked-tail']) {
    it(`${first} first, then the rest`, async () => {
      let copy = (await fixOne(original, first)) ?? assert.fail(`no quick fix for ${first}`);
      if (first === 'bat-entry-duplicate') {
        // The copy took the leaked cluster's place: nothing is left that no fix can reclaim.
        assert.equal((await stat(copy)).size, EXT64K.fileEnd + CLUSTER);
        assert.deepEqual(
          withImage(copy, (src) => checkImage(src).findings.map((f) => f.code)),
          [],
        );
      }
      for (let n = 0, next = await fixOne(copy); next && n < 10; n++, next = await fixOne(copy)) copy = next;
      assert.deepEqual(
        withImage(copy, (src) => checkImage(src).findings.map((f) => f.code)),
        [],
      );
      assert.ok((await readFile(copy)).equals(await fixAll()), 'other bytes than Fix all');
    });
  }
});
