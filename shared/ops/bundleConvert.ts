/**
 * `convert BUNDLE OUT.raw [--snapshot GUID]`: the merged guest disk of the top (or of any snapshot) as a raw file,
 * byte for byte what qemu-img reads when the same chain is given as backing files. The output is a temporary file renamed when complete (as an image's convert); only runs some image maps are copied, and within them only 4 KiB blocks that are not all zeros
 * are written. Never writes into the bundle: flattening makes a new file.
 */
import { existsSync, realpathSync, writeSync } from 'node:fs';
import { type OutputOptions, withOutput } from './convertOutput';
import { forFile } from '../io/fileErrors';
import type { ProgressCallback } from '../io/progress';
import { type Bundle, BundleError, allImages } from '../bundle/bundle';
import { ChainSource } from '../bundle/chainSource';
import { hex } from '../format/le';

const CHUNK = 4 * 1024 * 1024;
const BLOCK = 4096;

export interface BundleConvertResult {
  size: number;
  written: number;
  snapshot: string;
}

export interface BundleConvertOptions extends OutputOptions {
  snapshot?: string;
  /** Guest bytes gone through (copied or skipped as unmapped), of the disk size; called after each chunk. */
  onProgress?: ProgressCallback;
}

export async function convertBundle(bundle: Bundle, outPath: string, options: BundleConvertOptions = {}): Promise<BundleConvertResult> {
  refuseBundleFile(bundle, outPath);
  const chain = ChainSource.open(bundle, options.snapshot);
  try {
    refuseInvalidEntries(chain);
    // Written as an image's convert is: a temporary file renamed when complete, removed on a failure or signal.
    return await withOutput(bundle.descriptorPath, outPath, options, async (out) => {
      const written = await copyMapped(chain, out.fd, outPath, options.onProgress);
      return { size: chain.size, written, snapshot: chain.guid };
    });
  } finally {
    chain.close();
  }
}

/**
 * Copies the mapped runs. Between chunks it lets the event loop run, so that a SIGINT/SIGTERM (a cancelled
 * conversion in VS Code) removes the unfinished output at once instead of after the whole disk.
 */
async function copyMapped(chain: ChainSource, fd: number, outPath: string, onProgress?: ProgressCallback): Promise<number> {
  const buf = new Uint8Array(CHUNK);
  let written = 0;
  onProgress?.(0, chain.size);
  for (const run of chain.runs()) {
    if (run.layer) {
      for (let done = 0; done < run.length; done += CHUNK) {
        const n = Math.min(CHUNK, run.length - done);
        const data = buf.subarray(0, n);
        chain.readInto(run.start + done, data);
        written += forFile(outPath, () => writeDataBlocks(fd, data, run.start + done));
        onProgress?.(run.start + done + n, chain.size);
        await new Promise<void>((r) => setImmediate(r));
      }
    } else onProgress?.(run.start + run.length, chain.size);
  }
  return written;
}

/** Writes each maximal stretch of 4 KiB blocks that hold a non-zero byte; returns the bytes written. */
function writeDataBlocks(fd: number, data: Uint8Array, position: number): number {
  let written = 0;
  let from = -1;
  const flush = (to: number): void => {
    for (let at = from; at < to;) at += writeSync(fd, data, at, to - at, position + at);
    written += to - from;
    from = -1;
  };
  for (let block = 0; block < data.length; block += BLOCK) {
    const to = Math.min(data.length, block + BLOCK);
    const zero = allZero(data, block, to);
    if (!zero && from < 0) from = block;
    if (zero && from >= 0) flush(block);
  }
  if (from >= 0) flush(data.length);
  return written;
}

const ZEROS = Buffer.alloc(BLOCK);

function allZero(data: Uint8Array, from: number, to: number): boolean {
  // A memcmp through Buffer.equals: a byte loop costs several times more on a 4 MiB chunk.
  return Buffer.from(data.buffer, data.byteOffset + from, to - from).equals(ZEROS.subarray(0, to - from));
}

/**
 * Readers disagree on a BAT entry that points past the end of its file or into the header and BAT: QEMU 10 falls
 * through to the parent, older readers read zeros (or the metadata). Such a chain is not converted: repair the
 * image first (`check -r all --image FILE`).
 */
function refuseInvalidEntries(chain: ChainSource): void {
  for (const s of chain.storages) {
    for (const l of s.layers) {
      const g = l.image?.geometry;
      const bat = l.image?.bat;
      if (!g || !bat) continue;
      const n = Math.min(bat.length, g.diskClusters);
      for (let i = 0; i < n; i++) {
        const host = bat[i] * g.unit;
        if (bat[i] !== 0 && (host < g.dataOffset || host + g.clusterSize > l.source.size)) {
          throw new BundleError(
            `${l.path}: BAT entry ${i} points to ${hex(host)}, outside the data area; readers disagree on such a cluster, so the chain is not converted (repair it first: check -r all --image FILE)`,
          );
        }
      }
    }
  }
}

/** OUT must not be a file of the bundle (the rest of OUT's checks are the image convert's, in withOutput). */
function refuseBundleFile(bundle: Bundle, outPath: string): void {
  if (!existsSync(outPath)) return;
  const out = realpathSync(outPath);
  const inside = [bundle.descriptorPath, ...allImages(bundle).map((i) => i.file?.path ?? '')].some((p) => p !== '' && existsSync(p) && realpathSync(p) === out);
  if (inside) throw new BundleError(`${outPath}: is a file of the bundle itself; refusing to overwrite it`);
}
