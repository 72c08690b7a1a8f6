import { strict as assert } from 'node:assert';
import { decodeImage } from '../../shared/format/image';
import { BufferSource } from '../../shared/io/byteSource';
import { createLayout } from '../../shared/ops/create';
import { type MapEntry, mapEntries } from '../../shared/ops/map';
import { printMap } from '../../shared/ops/mapPrint';
import { rng } from '../random';

/**
 * `printMap` (the BAT streamed, runs formatted into byte buffers) against a reference written the plain way: the
 * engine's `mapEntries` objects, each formatted with template strings as qemu-img prints them.
 */
function referenceJson(entries: Iterable<MapEntry>): string {
  const lines = [...entries].map((e) => {
    const o = e.offset !== undefined ? `, "offset": ${e.offset}` : '';
    return `{ "start": ${e.start}, "length": ${e.length}, "depth": ${e.depth}, "present": ${e.present}, "zero": ${e.zero}, "data": ${e.data}, "compressed": ${e.compressed}${o}}`;
  });
  return `[${lines.join(',\n')}]\n`;
}

function referenceHuman(entries: Iterable<MapEntry>, file: string): string {
  const col = (v: number): string => (v === 0 ? '0' : `0x${v.toString(16)}`).padEnd(16);
  const lines = [`${'Offset'.padEnd(16)}${'Length'.padEnd(16)}${'Mapped to'.padEnd(16)}File`];
  for (const e of entries) if (e.data && e.offset !== undefined) lines.push(`${col(e.start)}${col(e.length)}${col(e.offset)}${file}`);
  return `${lines.join('\n')}\n`;
}

function printed(bytes: Uint8Array, format: Parameters<typeof printMap>[2]): string {
  const image = decodeImage(new BufferSource(bytes));
  const parts: Buffer[] = [];
  printMap(image.source, image.geometry!, format, (b) => parts.push(Buffer.from(b)));
  return Buffer.concat(parts).toString('utf8');
}

describe('map printed from the streamed BAT equals the reference formatting', () => {
  for (const legacy of [false, true]) {
    it(`${legacy ? 'legacy' : 'ext'}: random BATs, partial last clusters, short BATs, empty disks`, () => {
      const random = rng(legacy ? 5 : 6);
      for (let round = 0; round < 80; round++) {
        const clusterSize = 4096;
        // Disk sizes that end mid-cluster, and an empty disk now and then.
        const size = round % 17 === 0 ? 0 : Math.floor(random() * 300) * clusterSize + (random() < 0.5 ? 512 * Math.floor(1 + random() * 7) : 0);
        const layout = createLayout({ size, clusterSize, legacy });
        const unit = legacy ? 512 : clusterSize;
        const entries = layout.batEntries;
        // Cut the file inside the BAT sometimes: the entries past its end read as unallocated.
        const held = random() < 0.2 ? Math.floor(random() * entries) : entries;
        const bytes = new Uint8Array(held < entries ? 64 + held * 4 : layout.fileSize);
        bytes.set(layout.header.subarray(0, Math.min(layout.header.length, bytes.length)));
        const bat = new Uint32Array(held);
        let next = layout.fileSize / unit;
        for (let i = 0; i < held; i++) {
          const r = random();
          if (r < 0.3) bat[i] = 0;
          else if (r < 0.8) {
            bat[i] = next;
            next += clusterSize / unit;
          } else bat[i] = Math.floor(random() * 2 ** 32);
        }
        bytes.set(new Uint8Array(bat.buffer), 64);
        const file = `img-${round}.hdd`;
        const image = decodeImage(new BufferSource(bytes));
        assert.equal(printed(bytes, { kind: 'json' }), referenceJson(mapEntries(image)), `round ${round}: JSON`);
        assert.equal(printed(bytes, { kind: 'human', file }), referenceHuman(mapEntries(image), file), `round ${round}: human`);
      }
    });
  }
});
