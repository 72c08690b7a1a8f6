import { strict as assert } from 'node:assert';
import { statSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import type { CodeAction } from 'vscode-languageserver-protocol';
import type { Finding } from '../../shared/check/finding';
import { checkImage } from '../../shared/engine/check';
import { WRITE_BLOCKING_CODE, planFix, planRepair, repairable } from '../../shared/engine/repair';
import { FIXTURES, sharedFixtures } from '../fixtures';
import { applyEdits, scratchCopy, withImage } from '../fixtures/files';
import { qemuCheck } from '../fixtures/qemu';
import { qemu10, qemu72 } from '../oracles';
import { LspClient, fileUri, fixOf } from './lspClient';
import { editsOf } from './lspClient';

const findingsOf = (path: string): Finding[] => withImage(path, (src) => checkImage(src).findings);

/** Whether the engine refuses to write the image at all (a NECESSARY feature it cannot load). */
const refused = (path: string): boolean => withImage(path, (src) => planRepair(src, 'all').refused !== undefined);

/** Whether `after` still has the finding `f` (same rule on the same bytes). */
const stillThere = (after: readonly Finding[], f: Finding): boolean => after.some((a) => a.code === f.code && a.offset === f.offset && a.length === f.length);

describe('server code actions', function () {
  this.timeout(120000);
  let client: LspClient;
  let paths: Map<string, string>;

  before(async () => {
    paths = await sharedFixtures();
    client = await LspClient.start();
  });
  after(() => client?.stop());

  it('offers each finding its engine fix, which repairs that finding when applied to a copy', async () => {
    let applied = 0;
    const survivors: string[] = [];
    for (const spec of FIXTURES) {
      const path = paths.get(spec.name) ?? '';
      const uri = fileUri(path);
      await client.openImage(uri, 2);
      const diagnostics = await client.diagnosticsOf(uri, 2);
      const before = findingsOf(path);
      // A refusal the format demands (a NECESSARY feature) blocks every fix; the growth bound only the fixes that grow.
      const blocked = spec.repairRefused === true;
      for (const d of diagnostics) {
        const actions = await client.codeActions(uri, d.range, [d]);
        const data = d.data as { offset: number; length: number };
        const finding = before.find((f) => f.code === d.code && f.offset === data.offset && f.length === data.length);
        assert.ok(finding);
        const quick = actions.filter(
          (a) => a.title.startsWith('Fix:') && a.diagnostics?.some((x) => x.code === d.code && (x.data as { offset: number }).offset === data.offset),
        );
        if (blocked) {
          assert.deepEqual(actions, [], `${spec.name}: no fix at all when ${WRITE_BLOCKING_CODE} is present`);
          continue;
        }
        if (finding.repairMode === undefined) {
          assert.deepEqual(quick, [], `${spec.name}: ${finding.code} has no repair`);
          continue;
        }
        if (quick.length === 0 && spec.repairRefused === 'growth') {
          assert.equal(
            withImage(path, (src) => planFix(src, finding)),
            undefined,
            `${spec.name}: the engine has a fix for ${finding.code}`,
          );
          continue;
        }
        assert.equal(quick.length, 1, `${spec.name}: one quick fix for ${finding.code}`);
        const fix = fixOf(quick[0]);
        assert.equal(fix.uri, uri);
        assert.equal(fix.version, 2);
        const copy = await scratchCopy(path);
        await applyEdits(copy, editsOf(fix));
        if (stillThere(findingsOf(copy), finding)) survivors.push(`${spec.name}: ${finding.code} at ${finding.offset} survives its quick fix "${fix.title}"`);
        applied++;
      }
    }
    assert.deepEqual(survivors, []);
    assert.ok(applied >= 20, `only ${applied} quick fixes applied`);
  });

  it('offers "Fix all corruptions" and "Fix all leaks" where they apply; they leave nothing repairable', async () => {
    for (const spec of FIXTURES) {
      const path = paths.get(spec.name) ?? '';
      const uri = fileUri(path);
      await client.openImage(uri, 3);
      const diagnostics = await client.diagnosticsOf(uri, 3);
      if (diagnostics.length === 0) continue;
      const before = findingsOf(path);
      const actions = await client.codeActions(uri, diagnostics[0].range, [diagnostics[0]]);
      const titles = (a: CodeAction[]): string[] => a.map((x) => x.title).filter((t) => !t.startsWith('Fix:'));
      if (refused(path) && spec.repairRefused !== 'growth') {
        assert.deepEqual(actions, [], `${spec.name}: no fix at all when the engine refuses to write`);
        continue;
      }
      if (refused(path)) {
        // Known only once planned (the repair would grow the file too much): listed, and resolved to nothing.
        for (const action of actions.filter((a) => !a.title.startsWith('Fix:'))) {
          assert.equal((await client.resolve(action)).command, undefined, `${spec.name}: ${action.title} resolves to no edit`);
        }
        continue;
      }
      const expected = [
        ...(before.some((f) => repairable(f, 'all')) ? ['Fix all corruptions'] : []),
        ...(before.some((f) => repairable(f, 'leaks')) ? ['Fix all leaks'] : []),
      ];
      assert.deepEqual(titles(actions), expected, spec.name);
      for (const action of actions.filter((a) => !a.title.startsWith('Fix:'))) {
        const mode = action.title === 'Fix all leaks' ? 'leaks' : 'all';
        // Listed without a plan; planned when chosen (codeAction/resolve).
        assert.equal(action.command, undefined, `${spec.name}: ${action.title} is not planned to be listed`);
        const copy = await scratchCopy(path);
        await applyEdits(copy, editsOf(fixOf(await client.resolve(action))));
        const left = findingsOf(copy).filter((f) => repairable(f, mode));
        assert.deepEqual(
          left.map((f) => f.code),
          [],
          `${spec.name}: ${action.title}`,
        );
      }
    }
  });

  it('a quick fix of a duplicate BAT entry gives an image qemu-img 10 and 7.2 check clean', async () => {
    const path = paths.get('bat-entry-duplicate') ?? '';
    const uri = fileUri(path);
    await client.openImage(uri, 5);
    const [d] = await client.diagnosticsOf(uri, 5);
    const [quick] = await client.codeActions(uri, d.range, [d]);
    assert.match(quick.title, /^Fix: Copy the cluster of BAT entry 7 from host 0x[0-9a-f]+ to a new cluster at 0x[0-9a-f]+ /);
    assert.equal(quick.isPreferred, true);
    const copy = await scratchCopy(path);
    await applyEdits(copy, editsOf(fixOf(quick)));
    assert.deepEqual(
      findingsOf(copy).map((f) => f.code),
      [],
    );
    for (const oracle of [qemu10(), qemu72()]) {
      const q = await qemuCheck(oracle, await scratchCopy(copy));
      assert.equal(q.code, 0, `qemu-img ${oracle.version}: ${q.stdout}${q.stderr}`);
    }
  });

  it('finds the findings of the requested range even without diagnostics in the context', async () => {
    const path = paths.get('image-unclean') ?? '';
    const uri = fileUri(path);
    await client.openImage(uri, 1);
    const [d] = await client.diagnosticsOf(uri, 1);
    const actions = await client.codeActions(uri, { start: d.range.start, end: d.range.start });
    assert.ok(actions.some((a) => a.title.startsWith('Fix:') && a.diagnostics?.[0].code === 'image-unclean'));
    const none = await client.codeActions(uri, { start: { line: 100, character: 0 }, end: { line: 100, character: 1 } });
    assert.deepEqual(none, []);
  });

  it('never plans a bulk repair to list code actions: planned on resolve, in the worker for large images', async () => {
    const deferred = await LspClient.start({ initializationOptions: { inlineCheckEntries: 0 } });
    try {
      const path = paths.get('leaked-tail') ?? '';
      const uri = fileUri(path);
      await deferred.openImage(uri, 1);
      const [d] = await deferred.diagnosticsOf(uri, 1);
      const actions = await deferred.codeActions(uri, d.range, [d]);
      const bulk = actions.find((a) => a.title === 'Fix all leaks');
      assert.ok(bulk && bulk.command === undefined && bulk.data !== undefined);
      const resolved = await deferred.resolve(bulk);
      const fix = fixOf(resolved);
      assert.equal(fix.state?.generation, (bulk.data as { generation: number }).generation, 'the fix names the state it was planned on');
      assert.equal(fix.state?.file?.size, statSync(path).size);
      const copy = await scratchCopy(path);
      await applyEdits(copy, editsOf(fix));
      assert.deepEqual(
        findingsOf(copy).map((f) => f.code),
        [],
      );
    } finally {
      await deferred.stop();
    }
  });

  it('a client that cannot resolve gets the bulk repair as the client command that plans it when run', async () => {
    const plain = await LspClient.start({ resolveCommands: false });
    try {
      const path = paths.get('leaked-tail') ?? '';
      const uri = fileUri(path);
      await plain.openImage(uri, 1);
      const [d] = await plain.diagnosticsOf(uri, 1);
      const actions = await plain.codeActions(uri, d.range, [d]);
      const bulk = actions.find((a) => a.title === 'Fix all leaks');
      assert.deepEqual(bulk?.command, { title: 'Fix all leaks', command: 'hddLens.fixLeaks', arguments: [uri] });
    } finally {
      await plain.stop();
    }
  });

  it('refuses to resolve a bulk action offered for a state that is gone (the file changed on disk)', async () => {
    const path = await scratchCopy(paths.get('leaked-tail') ?? '');
    const uri = fileUri(path);
    await client.openImage(uri, 1);
    const [d] = await client.diagnosticsOf(uri, 1);
    const bulk = (await client.codeActions(uri, d.range, [d])).find((a) => a.title === 'Fix all leaks');
    assert.ok(bulk);
    const before = client.published(uri).length;
    // Another program writes the file: the server re-checks it under the same version, as a new generation.
    await appendFile(path, Buffer.alloc(512, 1));
    await client.diagnosticsWhere(uri, () => client.published(uri).length > before);
    const resolved = await client.resolve(bulk);
    assert.equal(resolved.command, undefined, 'no plan for a state that is gone');
    await client.messageWhere((m) => /offered for an earlier state .*changed since/.test(m));
  });
});
