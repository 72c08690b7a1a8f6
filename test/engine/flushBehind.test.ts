import { strict as assert } from 'node:assert';
import { closeSync, openSync, writeSync } from 'node:fs';
import { FlushBehind } from '../../shared/ops/flushBehind';
import { scratchPath } from '../fixtures/files';

/** convert's write-behind: one fdatasync per `every` bytes written, never two at once, and its errors surface. */
describe('FlushBehind', () => {
  it('starts one flush per threshold crossed, none while one is in flight, and settles before the close', async () => {
    const fd = openSync(await scratchPath('flush-behind.raw'), 'w');
    const flush = new FlushBehind(fd, 1000);
    const data = Buffer.alloc(400, 7);
    const write = (): void => {
      writeSync(fd, data);
      flush.wrote(data.length);
    };
    write();
    write();
    assert.equal(flush.started, 0, 'below the threshold');
    write();
    assert.equal(flush.started, 1, 'the threshold crossed');
    for (let k = 0; k < 5; k++) write();
    assert.equal(flush.started, 1, 'no second flush while the first is in flight');
    await flush.settle();
    write();
    assert.equal(flush.started, 2, 'the bytes written meanwhile start the next one');
    await flush.settle();
    closeSync(fd);
  });

  it('reports a failed flush at the next write and at settle', async () => {
    const flush = new FlushBehind(987654, 1);
    flush.wrote(1);
    await assert.rejects(flush.settle(), { code: 'EBADF' });
    assert.throws(() => flush.wrote(1), { code: 'EBADF' });
  });
});
