import { strict as assert } from 'node:assert';
import { closeSync, ftruncateSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { type CopyRun, copyRuns, fdReader } from '../../shared/ops/copyRuns';
import { scratchPath } from '../fixtures/files';
import { rng } from '../random';

/**
 * convert's copy loop (several reads in flight, chunks aligned in guest space, zero blocks skipped) against the
 * obvious copy: every run's bytes at its guest offset, zeros elsewhere, and only non-zero 4 KiB blocks written.
 */
describe('copyRuns', () => {
  it('writes what a plain copy writes, from random runs (some past the end of the input), in any chunk size', async () => {
    const random = rng(3);
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
      try {
        ftruncateSync(outFd, guestSize);
        const chunk = [4096, 65536, 1 << 20][round % 3];
        const written = await copyRuns(fdReader(inFd, input.length), outFd, runs, { chunk, inFlight: 1 + (round % 8) });
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
      } finally {
        closeSync(inFd);
        closeSync(outFd);
      }
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
          copyRuns(fdReader(inFd, 65536), outFd, [{ guest: 0, host: 0, length: 65536 }], { chunk: 4096 }),
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
