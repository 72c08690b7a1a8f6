import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { alignedBuffers } from '../../shared/ops/alignedBuffers';
import { ConvertError, withOutput } from '../../shared/ops/convertOutput';
import { scratchPath } from '../fixtures/files';

/** convert's output file: written beside OUT, reopened for direct writes, named only if it is still ours. */
describe('ConvertOutput', () => {
  const partialOf = (out: string): string => join(dirname(out), `.${basename(out)}.hdd-lens-partial`);

  it('copies through a writer that reopens the temporary file for direct writes, then names it OUT', async function () {
    const image = await scratchPath('co-image.hdd');
    writeFileSync(image, 'not read');
    const out = await scratchPath('co-direct.raw');
    const data = alignedBuffers(1, 3 * 4096)![0].fill(5);
    let direct = { opened: false, bytes: 0 };
    await withOutput(image, out, {}, async (o) => {
      const opened = o.writer.direct;
      await o.writer.write(data, 0, data.length, 0);
      direct = { opened, bytes: o.writer.bytes.direct };
      return { size: 4 * 4096 };
    });
    const back = readFileSync(out);
    assert.equal(back.length, 4 * 4096);
    assert.ok(back.subarray(0, 3 * 4096).every((v) => v === 5) && back.subarray(3 * 4096).every((v) => v === 0));
    assert.equal(existsSync(partialOf(out)), false);
    if (!direct.opened) return this.skip(); // no O_DIRECT here (macOS, or the scratch file system)
    assert.equal(direct.bytes, 3 * 4096, 'the aligned write went direct');
  });

  it('refuses to name a temporary file that is not its own (another convert to OUT replaced it), and leaves that one', async () => {
    const image = await scratchPath('co-image2.hdd');
    writeFileSync(image, 'not read');
    const out = await scratchPath('co-raced.raw');
    const partial = partialOf(out);
    await assert.rejects(
      withOutput(image, out, {}, (o) => {
        writeSync(o.fd, Buffer.from('mine'));
        // What a second convert does: it removes the partial file it takes for a killed one's and starts its own.
        renameSync(partial, `${partial}.moved`);
        writeFileSync(partial, 'the other convert, unfinished');
        return { size: 4 };
      }),
      (e: unknown) => e instanceof ConvertError && /was removed or replaced while converting/.test(e.message),
    );
    assert.equal(existsSync(out), false, 'the other unfinished file was not published as OUT');
    assert.equal(readFileSync(partial, 'utf8'), 'the other convert, unfinished', 'the other convert keeps its file');
  });
});
