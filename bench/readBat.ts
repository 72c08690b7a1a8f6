/**
 * `node out/bench/readBat.js IMAGE`: the least any checker written for Node.js must do, and nothing more: start,
 * read the header's BAT size, read the whole BAT into fresh memory (4 MiB reads), exit. The benchmark times it
 * beside `node -e 0` so that the cost of hdd-lens's own checking can be told from the cost of the platform.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { BAT_OFFSET, H } from '../shared/format/constants';

const CHUNK = 4 * 1024 * 1024;

function readBat(path: string): number {
  const fd = openSync(path, 'r');
  try {
    const header = new Uint8Array(BAT_OFFSET);
    readSync(fd, header, 0, header.length, 0);
    const entries = new DataView(header.buffer).getUint32(H.batEntries, true);
    const bat = new Uint8Array(entries * 4);
    for (let done = 0; done < bat.length;) {
      const n = readSync(fd, bat, done, Math.min(CHUNK, bat.length - done), BAT_OFFSET + done);
      if (n === 0) break;
      done += n;
    }
    return entries;
  } finally {
    closeSync(fd);
  }
}

readBat(process.argv[2] ?? '');
