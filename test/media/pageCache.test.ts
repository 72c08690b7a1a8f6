import assert from 'node:assert/strict';
import { LruMap, PAGE_SIZE, PagedLoader, pagesOf } from '../../media/pageCache';

/** A fetch whose answers the test releases by hand, to order arrivals against invalidations. */
class ManualFetch {
  readonly calls: number[] = [];
  private readonly waiting = new Map<number, Array<{ resolve: (v: string) => void; reject: (e: Error) => void }>>();
  version = 0;

  fetch = (page: number): Promise<string> => {
    this.calls.push(page);
    return new Promise((resolve, reject) => {
      const list = this.waiting.get(page) ?? [];
      list.push({ resolve, reject });
      this.waiting.set(page, list);
    });
  };

  async answer(page: number, fail = false): Promise<void> {
    const w = this.waiting.get(page)?.shift();
    assert.ok(w, `a read of page ${page} is in flight`);
    if (fail) w.reject(new Error('io'));
    else w.resolve(`page ${page} v${this.version}`);
    await new Promise((r) => setImmediate(r));
  }
}

function loader(capacity = 4, concurrency = 2): { l: PagedLoader<string>; f: ManualFetch; loaded: number[] } {
  const f = new ManualFetch();
  const loaded: number[] = [];
  const l = new PagedLoader<string>({ fetch: f.fetch, onLoaded: (p) => loaded.push(p), capacity, concurrency });
  return { l, f, loaded };
}

describe('webview page cache', () => {
  it('fetches wanted pages with a cap on reads in flight, in the order asked', async () => {
    const { l, f, loaded } = loader(8, 2);
    l.want([5, 6, 7]);
    assert.deepEqual(f.calls, [5, 6]);
    await f.answer(5);
    assert.deepEqual(f.calls, [5, 6, 7]);
    assert.equal(l.get(5), 'page 5 v0');
    assert.deepEqual(loaded, [5]);
  });

  it('forgets pages the viewport no longer wants before asking for them', async () => {
    const { l, f } = loader(8, 1);
    l.want([1, 2, 3]);
    l.want([40, 41]);
    await f.answer(1);
    assert.deepEqual(f.calls, [1, 40], 'pages 2 and 3 scrolled away and were never read');
  });

  it('drops an answer that was in flight when its page was invalidated, and reads it again', async () => {
    const { l, f, loaded } = loader();
    l.want([3]);
    f.version = 1;
    l.invalidate([3]);
    await f.answer(3);
    assert.equal(l.get(3), undefined, 'the stale answer is not cached');
    assert.deepEqual(loaded, []);
    assert.deepEqual(f.calls, [3, 3]);
    await f.answer(3);
    assert.equal(l.get(3), 'page 3 v1');
  });

  it('evicts the least recently used page and does not retry a failed one until invalidated', async () => {
    const { l, f } = loader(2, 4);
    l.want([0, 1]);
    await f.answer(0);
    await f.answer(1);
    l.get(0);
    l.want([2]);
    await f.answer(2);
    assert.equal(l.get(1), undefined, 'page 1 was the least recently used');
    assert.ok(l.get(0) && l.get(2));
    l.want([9]);
    await f.answer(9, true);
    assert.ok(l.hasFailed(9));
    l.want([9]);
    assert.equal(f.calls.filter((p) => p === 9).length, 1);
    l.invalidateAll();
    assert.equal(f.calls.filter((p) => p === 9).length, 2);
  });

  it('maps byte ranges to pages', () => {
    assert.deepEqual(pagesOf(0, 1), [0]);
    assert.deepEqual(pagesOf(PAGE_SIZE - 1, 2), [0, 1]);
    assert.deepEqual(pagesOf(3 * PAGE_SIZE, 0), [3]);
  });

  it('LruMap keeps at most its capacity', () => {
    const m = new LruMap<number, number>(3);
    for (let i = 0; i < 10; i++) m.set(i, i);
    assert.equal(m.size, 3);
    assert.equal(m.get(6), undefined);
    assert.equal(m.get(9), 9);
  });
});
