import { strict as assert } from 'node:assert';
import { BAT_OFFSET } from '../../shared/format/constants';
import { u32Bytes } from '../../shared/format/le';
import * as P from '../../shared/protocol';
import { sharedFixtures } from '../fixtures';
import { EXT64K } from '../fixtures/specs/layout';
import { LspClient, fileUri } from './lspClient';

const b64 = (data: Uint8Array): string => Buffer.from(data).toString('base64');
const entryAt = (i: number): number => BAT_OFFSET + i * 4;

/**
 * One push per checked state: a client that asks for it (VS Code's) gets hddLens/publishFindings with each state's
 * diagnostics, carrying what hddLens/findings answers, so it never pulls; other clients get nothing new.
 */
describe('server: hddLens/publishFindings', function () {
  this.timeout(60000);
  let paths: Map<string, string>;
  before(async () => {
    paths = await sharedFixtures();
  });

  it('pushes the findings of every checked state with its version, once, equal to what hddLens/findings answers', async () => {
    const client = await LspClient.start({ initializationOptions: { publishFindings: true } });
    try {
      const { uri } = await client.openFixture(paths, 'bat-entry-duplicate', 4);
      const first = await client.pushedWhere((p) => p.uri === uri && p.version === 4);
      assert.deepEqual(
        first.findings.map((f) => [f.code, f.batIndex]),
        [['bat-entry-duplicate', EXT64K.free]],
      );
      assert.deepEqual({ version: first.version, findings: first.findings }, await client.request(P.findings, { uri }));

      // The duplicate entry cleared: the next state's push has no finding left.
      await client.change({ uri, version: 5, edits: [{ offset: entryAt(EXT64K.free), data: b64(u32Bytes(0)) }] });
      await client.diagnosticsOf(uri, 5);
      const next = await client.pushedWhere((p) => p.uri === uri && p.version === 5);
      assert.deepEqual(next.findings, []);
      // As many pushes as diagnostics publications: one per checked state, nothing extra.
      assert.equal(client.pushedFindings.filter((p) => p.uri === uri).length, client.published(uri).length);
    } finally {
      await client.stop();
    }
  });

  it('publishes a state checked before the settings arrived once, when they arrive', async () => {
    let release = (): void => undefined;
    const settingsGate = new Promise<void>((resolve) => (release = resolve));
    const client = await LspClient.start({ initializationOptions: { publishFindings: true }, settingsGate });
    try {
      const uri = fileUri(paths.get('bat-entry-duplicate') ?? '');
      await client.openImage(uri, 4);
      // Answered without the settings: the state is checked, its publication waits for them.
      assert.equal((await client.request(P.findings, { uri }))?.version, 4);
      assert.deepEqual(client.published(uri), []);
      release();
      await client.diagnosticsOf(uri, 4);
      // A round trip after the publication: whatever the settings' arrival sent came before its answer.
      await client.request(P.findings, { uri });
      assert.equal(client.published(uri).length, 1, 'one diagnostics publication');
      assert.equal(client.pushedFindings.filter((p) => p.uri === uri).length, 1, 'one findings push');
    } finally {
      await client.stop();
    }
  });

  it('sends nothing new to a client that did not ask for it', async () => {
    const client = await LspClient.start();
    try {
      const { uri } = await client.openFixture(paths, 'bat-entry-duplicate', 4);
      // The findings request still answers (a public method), after the diagnostics that are the state's push.
      assert.equal((await client.request(P.findings, { uri }))?.version, 4);
      assert.deepEqual(client.pushedFindings, []);
    } finally {
      await client.stop();
    }
  });
});
