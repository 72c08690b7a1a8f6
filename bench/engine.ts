/**
 * The engine in-process, without process start-up or output: decode + every rule on a file (as `check` runs
 * them), and the BAT pass alone, in entries per second.
 */
import { checkImage } from '../shared/engine/check';
import { scanBat } from '../shared/check/batScan';
import { metadataRanges } from '../shared/check/metadata';
import { decodeImage } from '../shared/format/image';
import { FileSource } from '../shared/io/fileSource';
import { median } from './measure';

export interface EngineFigures {
  entries: number;
  /** decode + checkImage, median ms. */
  checkMs: number;
  /** The BAT pass alone (scanBat on a decoded BAT), median ms. */
  scanMs: number;
  /** Reading the header and BAT (decodeImage), median ms. */
  decodeMs: number;
  findings: number;
}

export function engineFigures(path: string, runs = 5): EngineFigures {
  const check: number[] = [];
  const scan: number[] = [];
  const decode: number[] = [];
  let entries = 0;
  let findings = 0;
  for (let k = 0; k < runs + 1; k++) {
    const src = new FileSource(path);
    try {
      let t = performance.now();
      const r = checkImage(src);
      const checkMs = performance.now() - t;
      t = performance.now();
      const image = decodeImage(src);
      const decodeMs = performance.now() - t;
      const g = image.geometry;
      if (!g || !image.bat) throw new Error(`${path}: no geometry`);
      const meta = metadataRanges(image);
      t = performance.now();
      scanBat(g, image.bat, meta);
      const scanMs = performance.now() - t;
      entries = image.bat.length;
      findings = r.findings.length;
      // The first run warms the JIT and the page cache.
      if (k > 0) {
        check.push(checkMs);
        decode.push(decodeMs);
        scan.push(scanMs);
      }
    } finally {
      src.close();
    }
  }
  return { entries, checkMs: median(check), scanMs: median(scan), decodeMs: median(decode), findings };
}
