import { strict as assert } from 'node:assert';
import {
  CancellationTokenSource,
  LSPErrorCodes,
  ResponseError,
  WorkDoneProgress,
  type WorkDoneProgressBegin,
  type WorkDoneProgressEnd,
  type WorkDoneProgressReport,
} from 'vscode-languageserver-protocol/node';
import * as P from '../../shared/protocol';
import { INLINE_REPAIR_ENTRIES } from '../../server/fixes';
import { DEFAULT_INLINE_ENTRIES } from '../../server/analysisRunner';
import { largeBrokenImage } from '../fixtures/largeBroken';
import { LspClient, fileUri } from './lspClient';

type Progress = WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd;

/** 16M entries: a 64 MiB BAT, checked and planned in the server's worker thread (past both inline bounds). */
const ENTRIES = 1 << 24;

/** The $/progress values of a token, in order, as the client hears them. */
function listen(client: LspClient, token: string): Progress[] {
  const heard: Progress[] = [];
  client.connection.onProgress(WorkDoneProgress.type, token, (v) => {
    heard.push(v);
  });
  return heard;
}

/** The percentages of the reports, after checking the begin (at 0%) and the end. */
function percentages(heard: readonly Progress[]): number[] {
  assert.equal(heard[0]?.kind, 'begin', JSON.stringify(heard.slice(0, 3)));
  assert.equal((heard[0] as WorkDoneProgressBegin).percentage, 0);
  assert.equal(heard[heard.length - 1]?.kind, 'end');
  const reports = heard.slice(1, -1);
  assert.ok(
    reports.every((r) => r.kind === 'report'),
    JSON.stringify(heard),
  );
  return reports.map((r) => (r as WorkDoneProgressReport).percentage ?? -1);
}

function assertRising(percent: readonly number[]): void {
  for (let i = 0; i < percent.length; i++) {
    assert.ok(Number.isInteger(percent[i]) && percent[i] >= 1 && percent[i] <= 100, `report ${i}: ${percent[i]}`);
    if (i > 0) assert.ok(percent[i] > percent[i - 1], `reports ${i - 1}, ${i}: ${percent[i - 1]}, ${percent[i]}`);
  }
}

/** Sends the request, cancels it once its progress reached 1%, and returns what it was answered. */
async function cancelledAtOnePercent(client: LspClient, params: P.ParamsOf<typeof P.planRepairRequest>): Promise<unknown> {
  const source = new CancellationTokenSource();
  const token = String(params.workDoneToken);
  client.connection.onProgress(WorkDoneProgress.type, token, (v) => {
    if (v.kind === 'report' && (v.percentage ?? 0) >= 1) source.cancel();
  });
  return client.connection.sendRequest(P.planRepairRequest.method, params, source.token).then(
    (r) => r,
    (e: unknown) => e,
  );
}

function assertCancelled(answer: unknown): void {
  assert.ok(answer instanceof ResponseError && answer.code === LSPErrorCodes.RequestCancelled, `answered ${JSON.stringify(answer)}`);
}

/** A server whose traces (HDD_LENS_TRACE: its console, which stdio sends as window/logMessage) say when the worker stops an abandoned plan. */
async function tracedServer(): Promise<LspClient> {
  const before = process.env.HDD_LENS_TRACE;
  process.env.HDD_LENS_TRACE = '1';
  try {
    return await LspClient.start();
  } finally {
    if (before === undefined) delete process.env.HDD_LENS_TRACE;
    else process.env.HDD_LENS_TRACE = before;
  }
}

/** Runs `use` on a traced server that has the image open, then stops it. */
async function withServer<T>(uri: string, use: (client: LspClient) => Promise<T>): Promise<T> {
  const client = await tracedServer();
  try {
    await client.openImage(uri, 1);
    return await use(client);
  } finally {
    await client.stop();
  }
}

/** The worker's trace of a stopped plan: the per mille it had reached. */
async function stoppedAt(client: LspClient): Promise<number | undefined> {
  for (let i = 0; i < 100; i++) {
    const m = /stopped the abandoned all plan at (\d+)\/1000/.exec(client.log);
    if (m) return Number(m[1]);
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}

describe('hddLens/planRepair with a work-done token (LSP progress), over stdio', function () {
  this.timeout(240000);
  let uri: string;
  /** The plan asked without a token, of a server of its own (a second request would get the cached plan). */
  let expected: P.ResultOf<typeof P.planRepairRequest>;

  before(async () => {
    assert.ok(ENTRIES > Math.max(INLINE_REPAIR_ENTRIES, DEFAULT_INLINE_ENTRIES), 'the worker path');
    uri = fileUri(await largeBrokenImage(ENTRIES));
    expected = await withServer(uri, (plain) => plain.request(P.planRepairRequest, { uri, mode: 'all' }));
    assert.ok(expected && 'edits' in expected, JSON.stringify(expected));
  });

  it('begin at 0%, 20+ reports rising to 100%, end before the answer; the plan is the plan without a token', async () => {
    await withServer(uri, async (client) => {
      const heard = listen(client, 'plan-1');
      const plan = await client.request(P.planRepairRequest, { uri, mode: 'all', workDoneToken: 'plan-1' });
      const percent = percentages(heard);
      assertRising(percent);
      assert.ok(percent.length >= 20, `${percent.length} reports: ${percent.join(',')}`);
      assert.equal(percent[percent.length - 1], 100);
      assert.deepEqual(plan, expected);
      // Asked again: the cached plan, at 100% at once.
      const again = listen(client, 'plan-2');
      assert.deepEqual(await client.request(P.planRepairRequest, { uri, mode: 'all', workDoneToken: 'plan-2' }), expected);
      assert.deepEqual(percentages(again), [100]);
    });
  });

  it('a cancelled request is answered at once; the plan goes on for another request that waits for it', async () => {
    await withServer(uri, async (client) => {
      const heard = listen(client, 'stays');
      const staying = client.request(P.planRepairRequest, { uri, mode: 'all', workDoneToken: 'stays' });
      assertCancelled(await cancelledAtOnePercent(client, { uri, mode: 'all', workDoneToken: 'leaves' }));
      assert.deepEqual(await staying, expected);
      assertRising(percentages(heard));
      assert.match(client.log, /decoded without the BAT/, 'traces are on');
      assert.doesNotMatch(client.log, /stopped the abandoned/);
    });
  });

  it('cancelled alone: the worker stops planning before the end, and asking again plans anew', async () => {
    await withServer(uri, async (client) => {
      assertCancelled(await cancelledAtOnePercent(client, { uri, mode: 'all', workDoneToken: 'alone' }));
      const heard = listen(client, 'anew');
      assert.deepEqual(await client.request(P.planRepairRequest, { uri, mode: 'all', workDoneToken: 'anew' }), expected);
      const stopped = await stoppedAt(client);
      assert.ok(stopped !== undefined && stopped < 1000, `stopped at ${stopped}:\n${client.log}`);
      // Not the abandoned plan's cached result (one report of 100%): a plan of its own, reported as it goes.
      assert.ok(percentages(heard).length >= 20, JSON.stringify(heard));
    });
  });
});
