import { strict as assert } from 'node:assert';
import { closeSync, constants, openSync, readFileSync, writeFileSync } from 'node:fs';
import { alignedBuffers } from '../../shared/ops/alignedBuffers';
import { RawWriter } from '../../shared/ops/rawWriter';
import { WriteWayProbe, fasterWay } from '../../shared/ops/writeWayProbe';
import { scratchPath } from '../fixtures/files';

/**
 * convert's choice between direct and buffered writes: a sample each way, timed, then the faster way, looked at again
 * after each window.
 * Which way wins depends on the machine, so the tests check the choice against the samples' own times.
 */
describe('write way probe', () => {
  it('chooses the way with the higher rate, a tie direct, and copes with zero times', () => {
    const t = (bytes: number, ns: number): { bytes: number; ns: number } => ({ bytes, ns });
    assert.equal(fasterWay(t(128, 300), t(128, 150)), 'buffered');
    assert.equal(fasterWay(t(128, 100), t(128, 150)), 'direct');
    assert.equal(fasterWay(t(128, 150), t(128, 150)), 'direct');
    // Unequal samples (a write may end past the sample's size): rates, not totals.
    assert.equal(fasterWay(t(256, 300), t(128, 200)), 'direct');
    assert.equal(fasterWay(t(128, 0), t(128, 0)), 'direct');
    assert.equal(fasterWay(t(128, 10), t(128, 0)), 'buffered');
  });

  it('samples direct first, then buffered, and chooses once the buffered sample is complete', () => {
    const probe = new WriteWayProbe({ direct: 100, buffered: 150, window: 100 });
    const ways: string[] = [];
    for (let k = 0; k < 6; k++) {
      const way = probe.next;
      ways.push(way);
      probe.wrote(way, 50, way === 'direct' ? 80 : 20);
    }
    assert.deepEqual(ways, ['direct', 'direct', 'buffered', 'buffered', 'buffered', 'buffered']);
    assert.equal(probe.choice, 'buffered');
    assert.deepEqual(probe.direct, { bytes: 100, ns: 160 });
    assert.deepEqual(probe.buffered, { bytes: 200, ns: 80 }, 'writes after the choice are counted too');
    const undecided = new WriteWayProbe({ direct: 100, buffered: 150, window: 100 });
    for (let k = 0; k < 4; k++) undecided.wrote(undecided.next, 50, 10);
    assert.equal(undecided.choice, undefined, 'the buffered sample is not complete');
  });

  it('looks again after each window: a way that slows down gives way to the other, whose pace is the one it last had', () => {
    const probe = new WriteWayProbe({ direct: 100, buffered: 100, window: 100 });
    probe.wrote(probe.next, 100, 90); // direct sample: 0.9 ns per byte
    probe.wrote(probe.next, 100, 70); // buffered sample: 0.7
    assert.equal(probe.choice, 'buffered');
    probe.wrote(probe.next, 50, 40);
    assert.equal(probe.choice, 'buffered', 'no look before the window is whole');
    probe.wrote(probe.next, 50, 160); // buffered window: 2.0 ns per byte
    assert.equal(probe.choice, 'direct', 'the buffered window was slower than the direct sample');
    assert.equal(probe.next, 'direct');
    probe.wrote(probe.next, 100, 150); // direct window: 1.5, still faster than buffered's last 2.0
    assert.equal(probe.choice, 'direct');
    probe.wrote(probe.next, 100, 250); // direct window: 2.5, slower than buffered's last
    assert.equal(probe.choice, 'buffered');
    assert.equal(probe.changes, 2);
    assert.deepEqual(probe.direct, { bytes: 300, ns: 490 }, 'all the direct writes');
    assert.deepEqual(probe.buffered, { bytes: 200, ns: 270 }, 'all the buffered writes');
  });

  it('writes the samples each way, then every later write the chosen way, on a real file', async function () {
    const path = await scratchPath('probed.raw');
    writeFileSync(path, '');
    if (constants.O_DIRECT === undefined) return this.skip();
    const fd = openSync(path, 'w');
    let directFd: number;
    try {
      directFd = openSync(path, constants.O_WRONLY | constants.O_DIRECT);
    } catch {
      closeSync(fd);
      return this.skip(); // the scratch folder's file system has no O_DIRECT
    }
    const chunk = 64 * 1024;
    const [buf] = alignedBuffers(1, chunk) ?? [];
    assert.ok(buf, 'aligned memory');
    const sample = 4 * chunk;
    let reported = 0;
    try {
      const writer = new RawWriter(
        fd,
        directFd,
        (n) => {
          reported += n;
          return undefined;
        },
        { direct: sample, buffered: sample, window: sample },
      );
      for (let k = 0; k < 8; k++) await writer.write(buf.fill(k + 1), 0, chunk, k * chunk);
      assert.deepEqual(writer.bytes, { direct: sample, buffered: sample }, 'the samples, one each way');
      assert.equal(reported, sample, 'the buffered sample counts for the flushes behind');
      const samples = writer.samples;
      assert.ok(samples);
      assert.equal(writer.chosen, fasterWay(samples.direct, samples.buffered));
      for (let k = 8; k < 12; k++) await writer.write(buf.fill(k + 1), 0, chunk, k * chunk);
      const later = writer.chosen === 'direct' ? { direct: 2 * sample, buffered: sample } : { direct: sample, buffered: 2 * sample };
      assert.deepEqual(writer.bytes, later, `after choosing ${writer.chosen}`);
      assert.equal(writer.direct, writer.chosen === 'direct');
    } finally {
      closeSync(fd);
      closeSync(directFd);
    }
    const back = readFileSync(path);
    assert.equal(back.length, 12 * chunk);
    for (let k = 0; k < 12; k++)
      assert.ok(
        back.subarray(k * chunk, (k + 1) * chunk).every((v) => v === k + 1),
        `chunk ${k}`,
      );
  });
});
