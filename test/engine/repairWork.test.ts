import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { CheckContext } from '../../shared/check/context';
import { applyRules } from '../../shared/engine/check';
import { decodeImage } from '../../shared/format/image';
import { type ByteSource, BufferSource } from '../../shared/io/byteSource';
import { OverlaySource } from '../../shared/io/overlaySource';
import { isLiteral } from '../../shared/io/patch';
import { countDirty } from '../../shared/ops/info';
import { repairImage, withFile } from '../../shared/ops/check';
import { planRepair } from '../../shared/engine/repair';
import { scratchDir } from '../fixtures/files';
import { inMemory, manyL1Image, sharedClusterImage, writeSparse } from '../fixtures/workImages';

/** A byte source that counts the bytes read inside [from, to). */
class CountingSource implements ByteSource {
  bytesRead = 0;
  constructor(
    private readonly inner: ByteSource,
    private readonly from: number,
    private readonly to: number,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  get size(): number {
    return this.inner.size;
  }

  read(offset: number, length: number): Uint8Array {
    this.count(offset, length);
    return this.inner.read(offset, length);
  }

  readInto(offset: number, target: Uint8Array): number {
    this.count(offset, target.length);
    return this.inner.readInto(offset, target);
  }

  private count(offset: number, length: number): void {
    this.bytesRead += Math.max(0, Math.min(offset + length, this.to) - Math.max(offset, this.from));
  }
}

/** The BAT as a proxy that counts element reads; a whole-array method (includes, indexOf, ...) counts as a pass. */
function countingBat(bat: Uint32Array): { bat: Uint32Array; reads: () => number } {
  let reads = 0;
  const passes = new Set(['includes', 'indexOf', 'lastIndexOf', 'find', 'findIndex', 'some', 'every', 'forEach', 'reduce', 'filter', 'map', 'slice']);
  const proxy = new Proxy(bat, {
    get(target, prop) {
      if (typeof prop === 'string' && /^\d+$/.test(prop)) {
        reads++;
        return target[Number(prop)];
      }
      const v = Reflect.get(target, prop, target) as unknown;
      if (typeof v !== 'function') return v;
      if (typeof prop === 'string' && passes.has(prop)) reads += target.length;
      return (v as (...a: unknown[]) => unknown).bind(target);
    },
  });
  return { bat: proxy, reads: () => reads };
}

describe('repairs: memory by metadata, not by the clusters they move', () => {
  it('relocating 255 entries that share one 64 KiB cluster plans copies, not 16 MiB of bytes; the plan keeps the data', () => {
    const entries = 256;
    const cluster = 64 * 1024;
    const bytes = inMemory(sharedClusterImage(entries, cluster));
    const src = new BufferSource(bytes);
    const outcome = planRepair(src, 'all');
    assert.equal(outcome.refused, undefined);
    const literal = outcome.plan.patches.reduce((n, p) => n + p.data.length, 0);
    const copied = (outcome.plan.copies ?? []).reduce((n, c) => n + c.length, 0);
    // The BAT entries and the header are the only bytes the plan carries (the old code carried every cluster).
    assert.ok(literal <= entries * 4 + 4096, `${literal} literal bytes in the plan`);
    assert.equal(copied, (entries - 1) * cluster);
    // One step tells the run of relocations (not 255 lines).
    const relocations = outcome.plan.steps.filter((s) => /^copy the clusters? of BAT entr/.test(s));
    assert.deepEqual(relocations.length, 1, relocations.join('\n'));
    assert.match(
      relocations[0],
      /^copy the clusters of BAT entries 1-255 \(all from host 0x\w+\) to 255 new clusters at 0x\w+-0x\w+, in entry order \(each: it shares host bytes with entry 0\)$/,
    );
    // Applied, every guest cluster reads the shared cluster's bytes, each from its own host cluster.
    const after = new OverlaySource(src, outcome.plan);
    const image = decodeImage(after);
    const shared = bytes.subarray(bytes.length - cluster);
    const hosts = new Set<number>();
    for (let i = 0; i < entries; i++) {
      const host = image.bat![i] * cluster;
      hosts.add(host);
      assert.ok(Buffer.from(after.read(host, cluster)).equals(Buffer.from(shared)), `guest cluster ${i}`);
    }
    assert.equal(hosts.size, entries);
    assert.equal(applyRules(new CheckContext(image)).filter((f) => f.category === 'corruption').length, 0);
  });

  it('copyCluster allocates nothing cluster-sized: copying a patched cluster costs views of its patches', () => {
    const cluster = 1 << 20;
    const bytes = inMemory(sharedClusterImage(4, cluster));
    const state = new OverlaySource(new BufferSource(bytes));
    state.write(bytes.length - cluster + 100, new Uint8Array(10).fill(9));
    const before = state.bytesCopied;
    const outcome = planRepair(new BufferSource(state.read(0, state.size)), 'all');
    assert.ok(outcome.plan.patches.every((p) => p.data.length < cluster));
    // On a state with a patch inside the cluster: the copies hold views of the patch and ranges of the base.
    const content = state.contentOf(bytes.length - cluster, cluster);
    assert.deepEqual(
      content.map((r) => (isLiteral(r) ? 'bytes' : 'from' in r ? 'base' : 'zero')),
      ['base', 'bytes', 'base'],
    );
    assert.equal(state.bytesCopied, before);
  });

  it('check -r all on a file writes the relocated clusters (the journal applies copies) and the image re-checks clean', async () => {
    const dir = await scratchDir();
    const path = join(dir, 'shared.hdd');
    const cluster = 64 * 1024;
    writeSparse(path, sharedClusterImage(64, cluster));
    const run = repairImage(path, 'all');
    assert.equal(run.after.corruptions, 0);
    withFile(path, (src) => {
      const image = decodeImage(src);
      const first = src.read(image.bat![0] * cluster, cluster);
      for (let i = 1; i < 64; i++) assert.ok(Buffer.from(src.read(image.bat![i] * cluster, cluster)).equals(Buffer.from(first)), `guest cluster ${i}`);
    });
  });
});

describe('bitmap work: near-linear, each cluster read once', () => {
  const entries = 1 << 16;
  const l1 = 400;
  const cluster = 4096;

  it('checking 400 L1 entries on a 64K-entry BAT reads the BAT a few times, not once per L1 entry', () => {
    const image = decodeImage(new BufferSource(inMemory(manyL1Image(entries, l1, cluster))));
    const counted = countingBat(image.bat!);
    const findings = applyRules(new CheckContext({ ...image, bat: counted.bat }));
    assert.ok(findings.length > 0);
    // The old check scanned the whole BAT per L1 entry (bat.includes): 400 passes.
    assert.ok(counted.reads() <= 4 * entries, `${counted.reads()} BAT entry reads (${(counted.reads() / entries).toFixed(1)} passes)`);
  });

  it('check reads no bitmap cluster; info reads each distinct one once, L1 entries sharing one included', () => {
    for (const shared of [false, true]) {
      const img = manyL1Image(entries, l1, cluster, shared);
      const stored = img.pieces[img.pieces.length - 1].offset;
      const src = new CountingSource(new BufferSource(inMemory(img)), stored, img.fileSize);
      applyRules(new CheckContext(decodeImage(src)));
      assert.equal(src.bytesRead, 0, 'check reads no stored bitmap cluster');
      const image = decodeImage(src);
      const bm = image.extension!.features[0].bitmap!;
      const dirty = countDirty(src, image.geometry!, bm);
      assert.ok(dirty !== null && dirty > 0);
      assert.equal(src.bytesRead, (shared ? 1 : l1) * cluster, shared ? 'one read of the shared cluster' : 'one read per stored cluster');
    }
  });

  it('info gives up counting (null) past its read cap instead of reading without bound', () => {
    const img = manyL1Image(entries, l1, cluster);
    const src = new CountingSource(new BufferSource(inMemory(img)), 0, img.fileSize);
    const image = decodeImage(src);
    const before = src.bytesRead;
    assert.equal(countDirty(src, image.geometry!, image.extension!.features[0].bitmap!, 10 * cluster), null);
    assert.ok(src.bytesRead - before <= 10 * cluster);
  });
});
