/**
 * Regression inputs that are clearer as code than as bytes: each builds the image that once broke the engine.
 */
import { createHash } from 'node:crypto';
import { imageBuffer } from '../../bench/generate';
import { EXT_HEADER_SIZE, H, HEADER_SIZE, IN_USE_DIRTY, MAGIC_EXT } from '../../shared/format/constants';
import { decodeImage } from '../../shared/format/image';
import { putU32, putU64 } from '../../shared/format/le';
import { BufferSource } from '../../shared/io/byteSource';

export interface BuiltRegression {
  name: string;
  note: string;
  build(): Uint8Array;
}

export const BUILT_REGRESSIONS: BuiltRegression[] = [
  {
    name: 'plan-steps-stack-overflow',
    note: 'shared/engine/repair.ts (then shared/repair/repair.ts): steps.push(...builder.steps) overflowed the call stack when one pass made more than ~120k steps (here 524272 BAT entries past the end of the file, each unmapped). Fixed: push in a loop. Found by the fuzzer (case 4035466369: nb_bat_entries made huge over an 800 KiB file).',
    build() {
      // 32 KiB clusters, 16M entries claimed, 2 MiB of file: every entry the file holds is 0xffffffff.
      const b = new Uint8Array(2 << 20).fill(0xff);
      b.fill(0, 0, HEADER_SIZE);
      b.set(Buffer.from(MAGIC_EXT, 'latin1'), 0);
      putU32(b, H.version, 2);
      putU32(b, H.heads, 16);
      putU32(b, H.tracks, 64);
      putU32(b, H.batEntries, 1 << 24);
      putU64(b, H.nbSectors, (1 << 24) * 64);
      putU32(b, H.dataOff, ((64 + 4 * (1 << 24) + 32767) >> 15) * 64);
      return b;
    },
  },
  {
    name: 'bitmap-fill-overwrites-guest-data',
    note: 'shared/repair/extensionEdit.ts markBitmapsDirty (run by image-unclean in the header phase) filled the cluster of an invalid L1 entry (sector 2, over the padding and the first data cluster) with 0xff before the BAT phase copied that data cluster away: 1 KiB of guest data became 0xff. Fixed: an invalid or BAT-shared bitmap cluster is never filled; its L1 entry becomes 1 (all dirty). The guest-data invariant catches it.',
    build() {
      const b = imageBuffer({ entries: 48, clusterSize: 4096, fraction: 0.7, bitmaps: 1, data: true, seed: 11 });
      const ext = decodeImage(new BufferSource(b)).extension;
      const bm = ext?.features[0]?.bitmap;
      if (!ext || !bm) throw new Error('the generated image has no bitmap');
      putU64(b, bm.l1Offset, 2);
      b.set(
        createHash('md5')
          .update(b.subarray(ext.offset + EXT_HEADER_SIZE, ext.offset + 4096))
          .digest(),
        ext.offset + 8,
      );
      putU32(b, H.inUse, IN_USE_DIRTY);
      return b;
    },
  },
];
