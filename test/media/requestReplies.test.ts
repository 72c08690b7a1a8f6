import assert from 'node:assert/strict';
import { type Reply, RequestReplies } from '../../shared/requestReplies';
import * as P from '../../shared/protocol';
import { WEBVIEW_REQUESTS, webviewRequest } from '../../shared/webviewProtocol';

/** Both ends of the webview channel on the one class: the page calls, the host answers, in any order. */
describe('webview request/reply matching (shared/requestReplies.ts)', () => {
  it('matches replies to their calls by id, out of order, failures as errors with their message', async () => {
    const page = new RequestReplies();
    const sent: number[] = [];
    const a = page.call((id) => sent.push(id));
    const b = page.call((id) => sent.push(id));
    assert.equal(page.pending, 2);
    const replies: Reply[] = [];
    await RequestReplies.answer(
      sent[1],
      () => Promise.reject(new Error('not a forwarded request: x')),
      (r) => replies.push(r),
    );
    await RequestReplies.answer(
      sent[0],
      async () => ({ value: 42 }),
      (r) => replies.push(r),
    );
    for (const r of replies) assert.equal(page.settle(r), true);
    assert.deepEqual(await a, { value: 42 });
    await assert.rejects(b, /not a forwarded request: x/);
    assert.equal(page.pending, 0);
  });

  it('ignores a reply no call waits for (a page reloaded meanwhile), and a second reply to the same id', async () => {
    const page = new RequestReplies();
    let id = -1;
    const call = page.call((i) => (id = i));
    assert.equal(page.settle({ requestId: id + 100, result: 1 }), false);
    assert.equal(page.settle({ requestId: id, result: 'first' }), true);
    assert.equal(page.settle({ requestId: id, result: 'second' }), false);
    assert.equal(await call, 'first');
  });

  it('answers a synchronous throw as an error reply, not as a lost request', async () => {
    const replies: Reply[] = [];
    await RequestReplies.answer(
      7,
      () => {
        throw new Error('bad offset -1');
      },
      (r) => replies.push(r),
    );
    assert.deepEqual(replies, [{ requestId: 7, error: 'bad offset -1' }]);
  });
});

describe('the webview-forwardable requests (shared/webviewProtocol.ts)', () => {
  it('names the signatures of shared/protocol.ts; nothing else is forwarded', () => {
    assert.equal(webviewRequest('regions'), P.regions);
    assert.equal(webviewRequest('planRepair'), P.planRepairRequest);
    for (const name of ['findings', 'hddLens/regions', 'constructor', '__proto__', 'toString', 7, undefined]) {
      assert.equal(webviewRequest(name), undefined, String(name));
    }
    assert.deepEqual(
      Object.values(WEBVIEW_REQUESTS)
        .map((s) => s.method)
        .sort(),
      ['hddLens/allocationMap', 'hddLens/guestToHost', 'hddLens/hostToGuest', 'hddLens/inspect', 'hddLens/planRepair', 'hddLens/regions', 'hddLens/structure'],
    );
  });
});
