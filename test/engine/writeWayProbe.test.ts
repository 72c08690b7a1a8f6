import { strict as assert } from 'node:assert';
import { closeSync, constants, openSync, readFileSync, writeFileSync } from 'node:fs';
import { alignedBuffers } from '../../shared/ops/alignedBuffers';
import { RawWriter } from '../../shared/ops/rawWriter';
import { BEHIND_WINDOWS, MARGIN, WriteWayProbe, fasterWay } from '../../shared/ops/writeWayProbe';
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
    assert.equal(probe.choice, 'buffered', 'one window behind is not enough');
    probe.wrote(probe.next, 100, 200); // buffered window: 2.0 again
    assert.equal(probe.choice, 'direct', 'two buffered windows in a row were slower than the direct sample');
    assert.equal(probe.next, 'direct');
    probe.wrote(probe.next, 100, 150); // direct window: 1.5, still faster than buffered's last 2.0
    probe.wrote(probe.next, 100, 350); // direct window: 3.5, slower than buffered's last, within the margin
    assert.equal(probe.choice, 'direct', 'within the margin');
    probe.wrote(probe.next, 100, 500); // direct window: 5.0, behind buffered's 2.0 by more than the margin
    assert.equal(probe.choice, 'direct', 'one window behind');
    probe.wrote(probe.next, 100, 150); // 1.5: ahead again, the count starts over
    probe.wrote(probe.next, 100, 500);
    assert.equal(probe.choice, 'direct');
    probe.wrote(probe.next, 100, 520);
    assert.equal(probe.choice, 'buffered', 'two direct windows in a row behind');
    assert.equal(probe.changes, 2);
    assert.deepEqual(probe.direct, { bytes: 700, ns: 2260 }, 'all the direct writes');
    assert.deepEqual(probe.buffered, { bytes: 300, ns: 470 }, 'all the buffered writes');
  });

  it('changes way only for a pace faster by more than the margin', () => {
    const probe = new WriteWayProbe({ direct: 100, buffered: 100, window: 100 });
    probe.wrote(probe.next, 100, 100); // direct sample: 1.0 ns per byte
    probe.wrote(probe.next, 100, 200); // buffered sample: 2.0
    assert.equal(probe.choice, 'direct');
    for (let k = 0; k < 3; k++) probe.wrote(probe.next, 100, 200 * (1 + MARGIN) - 1); // buffered is faster, within the margin
    assert.equal(probe.choice, 'direct', 'within the margin');
    for (let k = 0; k < BEHIND_WINDOWS; k++) probe.wrote(probe.next, 100, 200 * (1 + MARGIN) + 5);
    assert.equal(probe.choice, 'buffered', 'beyond the margin');
    assert.equal(probe.changes, 1);
  });

  it("times a buffered window at the slower of its copies and the latest flush behind (the disk's part)", () => {
    const probe = new WriteWayProbe({ direct: 100, buffered: 100, window: 100 });
    probe.wrote(probe.next, 100, 100); // direct sample: 1.0 ns per byte
    probe.wrote(probe.next, 100, 50); // buffered sample: 0.5
    assert.equal(probe.choice, 'buffered');
    probe.flushed(200, 100); // the disk made 200 bytes durable in 100 ns: 0.5, no slower than the copies
    probe.wrote(probe.next, 100, 40);
    assert.equal(probe.choice, 'buffered');
    probe.flushed(300, 900); // the copies ran ahead: a flush of 300 bytes took 900 ns, 3.0 per byte
    probe.wrote(probe.next, 100, 40); // the copies alone would stay ahead of direct
    probe.wrote(probe.next, 100, 40);
    assert.equal(probe.choice, 'direct', "the flush's pace counts for the buffered windows");
    probe.flushed(100, 1); // a flush while direct writes go on changes nothing until a buffered window
    probe.wrote(probe.next, 100, 150);
    probe.wrote(probe.next, 100, 150);
    assert.equal(probe.choice, 'direct', 'direct at 1.5 is faster than buffered at 3.0');
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
        // No second look in this test (the window logic is tested above): the later writes all go the chosen way.
        { direct: sample, buffered: sample, window: Number.MAX_SAFE_INTEGER },
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
