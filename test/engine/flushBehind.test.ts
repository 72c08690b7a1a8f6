import { strict as assert } from 'node:assert';
import { closeSync, openSync, writeSync } from 'node:fs';
import { FlushBehind } from '../../shared/ops/flushBehind';
import { scratchPath } from '../fixtures/files';

/**
 * convert's write-behind: one fdatasync per `every` bytes written, never two at once, the writer held back while
 * one is in flight and another interval is written, each flush's durable bytes reported, and its errors surface.
 */
describe('FlushBehind', () => {
  it('starts one flush per threshold crossed, none while one is in flight, and settles before the close', async () => {
    const fd = openSync(await scratchPath('flush-behind.raw'), 'w');
    const flushed: number[] = [];
    const flush = new FlushBehind(fd, 1000, (bytes, ns) => {
      assert.ok(ns >= 0);
      flushed.push(bytes);
    });
    const data = Buffer.alloc(400, 7);
    const write = (hold = false): Promise<void> | undefined => {
      writeSync(fd, data);
      return flush.wrote(data.length, hold);
    };
    assert.equal(write(), undefined);
    assert.equal(write(), undefined);
    assert.equal(flush.started, 0, 'below the threshold');
    assert.equal(write(), undefined, 'a flush starts: nothing to wait for');
    assert.equal(flush.started, 1, 'the threshold crossed');
    // The flush is still in flight: it runs on libuv's threads, and nothing here has waited yet.
    assert.equal(write(true), undefined);
    assert.equal(write(true), undefined);
    assert.equal(write(), undefined, 'an interval ahead, not held back');
    const held = write(true);
    assert.ok(held, 'an interval ahead, held back: wait for the flush in flight');
    assert.equal(flush.started, 1, 'no second flush while the first is in flight');
    await held;
    assert.deepEqual(flushed, [1200], 'the first flush made the first 1200 bytes durable');
    assert.equal(write(), undefined);
    assert.equal(flush.started, 2, 'the bytes written meanwhile start the next one');
    await flush.settle();
    assert.deepEqual(flushed, [1200, 2000], 'the second, the 2000 bytes written since the first began');
    closeSync(fd);
  });

  it('reports a failed flush at the next write and at settle', async () => {
    const flush = new FlushBehind(987654, 1);
    assert.equal(flush.wrote(1), undefined);
    await assert.rejects(flush.settle(), { code: 'EBADF' });
    assert.throws(() => flush.wrote(1), { code: 'EBADF' });
  });
});
