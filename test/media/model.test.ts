import assert from 'node:assert/strict';
import type { Region, WireFinding } from '../../shared/protocol';
import type { WebviewRequest } from '../../shared/webviewProtocol';
import type { Host } from '../../media/host';
import { Model } from '../../media/model';
import { PAGE_SIZE } from '../../media/pageCache';

/** The page's end of the channel, counting what the model asks the host for (the host's part is the e2e suite's). */
class CountingHost {
  readonly asked: Record<string, number> = {};

  async read(_offset: number, length: number): Promise<Uint8Array> {
    this.count('read');
    return new Uint8Array(length);
  }

  async request(name: WebviewRequest, params: { offset: number; length: number }): Promise<Region[]> {
    this.count(name);
    return [{ offset: params.offset, length: params.length, kind: 'bat' }];
  }

  private count(name: string): void {
    this.asked[name] = (this.asked[name] ?? 0) + 1;
  }
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const finding = (offset: number, length: number): WireFinding => ({ code: 'x', severity: 'error', category: 'corruption', message: 'm', offset, length });

describe('webview model: one regions fetch per visible page per change', () => {
  it("refetches region kinds after an edit, not again when the checked state's findings arrive; underlines follow the findings", async () => {
    const host = new CountingHost();
    const model = new Model(host as unknown as Host);
    model.init('x.hdd', 3 * PAGE_SIZE, false);
    model.regions.want([0, 1, 2]);
    await settle();
    assert.equal(host.asked.regions, 3);

    model.changed(3 * PAGE_SIZE, [{ offset: 10, length: 4 }]);
    await settle();
    assert.equal(host.asked.regions, 6, 'the edit: once per visible page');

    model.setFindings(2, [finding(PAGE_SIZE + 8, 4)]);
    await settle();
    assert.equal(host.asked.regions, 6, "the findings of the edit's state: no second fetch");
    const decor = model.decorOf(1);
    assert.deepEqual([decor.severities[7], decor.severities[8], decor.severities[11], decor.severities[12]], [0, 3, 3, 0]);
  });
});
