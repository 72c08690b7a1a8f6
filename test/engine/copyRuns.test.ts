import { strict as assert } from 'node:assert';
import { closeSync, constants, ftruncateSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { type CopyRun, copyRuns, fdReader } from '../../shared/ops/copyRuns';
import { RawWriter } from '../../shared/ops/rawWriter';
import { scratchPath } from '../fixtures/files';
import { rng } from '../random';

/**
 * convert's copy loop (several reads in flight, chunks aligned in guest space, zero blocks skipped) against the
 * obvious copy: every run's bytes at its guest offset, zeros elsewhere, and only non-zero 4 KiB blocks written.
 */
/** The file at `path` opened a second time with O_DIRECT, or undefined where its file system has none. */
function openDirect(path: string): number | undefined {
  if (constants.O_DIRECT === undefined) return undefined;
  try {
    return openSync(path, constants.O_WRONLY | constants.O_DIRECT);
  } catch {
    return undefined;
  }
}

describe('copyRuns', () => {
  /**
   * Random runs (lengths and guest offsets in 512-byte units, some past the end of the input) copied in rounds of
   * chunk sizes and reads in flight; `direct` also opens the output with O_DIRECT. Returns the writers' byte counts.
   */
  async function randomCopies(seed: number, direct: boolean): Promise<Array<RawWriter['bytes'] & { stillDirect: boolean }>> {
    const counts: Array<RawWriter['bytes'] & { stillDirect: boolean }> = [];
    const random = rng(seed);
    for (let round = 0; round < 12; round++) {
      const input = new Uint8Array(200 * 1024);
      // Blocks of data, blocks of zeros, and data that is zero only in part of a block.
      for (let at = 0; at < input.length; at += 4096)
        if (random() < 0.6) for (let k = 0; k < 4096; k += 1 + Math.floor(random() * 900)) input[at + k] = 1 + Math.floor(random() * 255);
      const guestSize = 600 * 1024;
      const runs: CopyRun[] = [];
      for (let guest = 0; guest < guestSize;) {
        const length = Math.min(guestSize - guest, 512 * (1 + Math.floor(random() * 100)));
        if (random() < 0.7) runs.push({ guest, host: Math.floor(random() * (input.length + 8192)), length });
        guest += length;
      }
      const inPath = await scratchPath('in.bin');
      const outPath = await scratchPath('out.raw');
      writeFileSync(inPath, input);
      const expected = new Uint8Array(guestSize);
      for (const r of runs) for (let k = 0; k < r.length; k++) expected[r.guest + k] = r.host + k < input.length ? input[r.host + k] : 0;
      const inFd = openSync(inPath, 'r');
      const outFd = openSync(outPath, 'w');
      const directFd = direct ? openDirect(outPath) : undefined;
      try {
        ftruncateSync(outFd, guestSize);
        const chunk = [4096, 65536, 1 << 20][round % 3];
        const writer = new RawWriter(outFd, directFd);
        const written = await copyRuns(fdReader(inFd, input.length), writer, runs, { chunk, inFlight: 1 + (round % 8) });
        counts.push({ ...writer.bytes, stillDirect: writer.direct });
        let nonZero = 0;
        // Every 4 KiB block of a chunk with a non-zero byte is written whole (chunks are aligned to 4 KiB multiples).
        for (const r of runs) {
          for (let at = r.guest; at < r.guest + r.length;) {
            const chunkEnd = Math.min(r.guest + r.length, (Math.floor(at / chunk) + 1) * chunk);
            for (let b = at; b < chunkEnd; b += 4096)
              if (expected.subarray(b, Math.min(chunkEnd, b + 4096)).some((v) => v !== 0)) nonZero += Math.min(chunkEnd, b + 4096) - b;
            at = chunkEnd;
          }
        }
        assert.deepEqual(new Uint8Array(readFileSync(outPath)), expected, `round ${round}: output`);
        assert.equal(written, nonZero, `round ${round}: bytes written`);
        assert.equal(writer.bytes.direct + writer.bytes.buffered, written, `round ${round}: each byte written once, one way`);
      } finally {
        closeSync(inFd);
        closeSync(outFd);
        if (directFd !== undefined) closeSync(directFd);
      }
    }
    return counts;
  }

  it('writes what a plain copy writes, from random runs (some past the end of the input), in any chunk size', async () => {
    const counts = await randomCopies(3, false);
    assert.ok(counts.every((c) => c.direct === 0));
  });

  it('writes the same through O_DIRECT: the page-aligned middles direct, heads and tails buffered', async function () {
    const probe = await scratchPath('direct-probe.raw');
    writeFileSync(probe, '');
    const fd = openDirect(probe);
    if (fd === undefined) return this.skip(); // the scratch folder's file system has no O_DIRECT
    closeSync(fd);
    const counts = await randomCopies(5, true);
    // Runs start at any 512-byte unit, so most rounds write both ways; every round with data wrote some direct.
    assert.ok(
      counts.every((c) => c.direct > 0 || c.buffered === 0),
      JSON.stringify(counts),
    );
    assert.ok(counts.some((c) => c.buffered > 0));
  });

  it('falls back to buffered writes where the kernel refuses a direct one (a misaligned buffer: EINVAL)', async function () {
    const probePath = await scratchPath('direct-refused-probe.raw');
    writeFileSync(probePath, '');
    const probe = openDirect(probePath);
    if (probe === undefined) return this.skip(); // no O_DIRECT here
    // An ArrayBuffer of the heap starts where malloc put it (16-byte aligned): find one the kernel refuses.
    let data: Buffer | undefined;
    try {
      for (let k = 0; k < 64 && !data; k++) {
        const candidate = Buffer.from(new ArrayBuffer(3 * 4096 + 16 * k)).fill(9);
        try {
          writeSync(probe, candidate, 0, 4096, 0);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'EINVAL') data = candidate;
        }
      }
    } finally {
      closeSync(probe);
    }
    if (!data) return this.skip(); // this device takes any address
    const path = await scratchPath('direct-refused.raw');
    writeFileSync(path, '');
    const outFd = openSync(path, 'w');
    const directFd = openDirect(path)!;
    try {
      const writer = new RawWriter(outFd, directFd);
      await writer.write(data, 100, 3 * 4096, 100);
      assert.deepEqual(writer.bytes, { direct: 0, buffered: 3 * 4096 - 100 });
      assert.equal(writer.direct, false, 'direct writes are off after a refusal');
      const back = readFileSync(path);
      assert.equal(back.length, 3 * 4096);
      assert.ok(
        back.subarray(0, 100).every((v) => v === 0),
        'nothing before the range',
      );
      assert.ok(
        back.subarray(100).every((v) => v === 9),
        'the range, once',
      );
    } finally {
      closeSync(outFd);
      closeSync(directFd);
    }
  });

  it('rejects with the error of the failing call, once the reads in flight are done', async () => {
    const inPath = await scratchPath('in.bin');
    writeFileSync(inPath, new Uint8Array(65536).fill(7));
    const inFd = openSync(inPath, 'r');
    try {
      // The output descriptor is read-only: every write fails.
      const outFd = openSync(inPath, 'r');
      try {
        await assert.rejects(
          copyRuns(fdReader(inFd, 65536), new RawWriter(outFd), [{ guest: 0, host: 0, length: 65536 }], { chunk: 4096 }),
          (e: NodeJS.ErrnoException) => e.code === 'EBADF',
        );
      } finally {
        closeSync(outFd);
      }
    } finally {
      closeSync(inFd);
    }
  });
});
