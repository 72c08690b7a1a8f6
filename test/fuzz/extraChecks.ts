/**
 * The front ends' reads of an image, run on every fuzz case: what `info`, `map` and `check --json` build, the
 * field descriptions behind hovers and the structure tree, and the guest/host address maps. Each must finish
 * (no loop proportional to a claimed size), never throw except the documented `ImageError` for an unusable
 * header, and describe what it finds with finite numbers.
 */
import { Finding } from '../../shared/check/finding';
import { FieldInfo } from '../../shared/format/fieldInfo';
import { HostIndex, guestToHost } from '../../shared/format/guestMap';
import { decodeImage } from '../../shared/format/image';
import { ByteSource } from '../../shared/io/byteSource';
import { ImageError } from '../../shared/ops/blocker';
import { checkReport } from '../../shared/ops/check';
import { imageInfo } from '../../shared/ops/info';
import { mapEntries } from '../../shared/ops/map';
import { extensionFieldAt, extensionFields } from '../../shared/describe/extensionFields';
import { headerFieldAt, headerFields } from '../../shared/describe/headerFields';
import type { Failure } from './invariants';
import { Prng } from './prng';

/** Samples of random offsets tried per lookup function. */
const PROBES = 16;

export function extraChecks(src: ByteSource, _findings: readonly Finding[], rng: Prng): Failure[] {
  const out: Failure[] = [];
  const image = decodeImage(src);
  allowImageError(() => imageInfo(src));
  checkReport(src);
  const runs = allowImageError(() => countRuns(image));
  const bat = image.bat ?? new Uint32Array(0);
  if (runs !== undefined && runs > 2 * bat.length + 2) {
    out.push({ kind: 'bad-finding', signature: 'map:too-many-runs', detail: `map: ${runs} runs for ${bat.length} BAT entries` });
  }
  out.push(...fieldProblems('headerFields', headerFields(image.header)));
  out.push(...fieldProblems('extensionFields', extensionFields(image, { l1Entries: rng.chance(0.5) })));
  for (let k = 0; k < PROBES; k++) {
    const at = rng.int(64);
    const f = headerFieldAt(image.header, at);
    if (f) out.push(...fieldProblems('headerFieldAt', [f]));
    const extAt = (image.geometry?.extOffset ?? 0) + rng.int(4096);
    const e = extensionFieldAt(image, extAt);
    if (e) out.push(...fieldProblems('extensionFieldAt', [e]));
  }
  const g = image.geometry;
  if (g) {
    const hosts = new HostIndex(image);
    for (let k = 0; k < PROBES; k++) {
      guestToHost(image, rng.int(Math.min(g.diskBytes + 2, 2 ** 52)));
      hosts.hostToGuest(rng.int(src.size + g.clusterSize));
    }
  }
  return out;
}

/** Walks the whole map as `hdd-lens map` does; the count of runs is bounded by the BAT, not the claimed disk. */
function countRuns(image: ReturnType<typeof decodeImage>): number {
  let n = 0;
  for (const run of mapEntries(image)) {
    if (!Number.isFinite(run.start) || !Number.isFinite(run.length)) throw new Error(`map run ${JSON.stringify(run)}`);
    n++;
  }
  return n;
}

function allowImageError<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    if (e instanceof ImageError) return undefined;
    throw e;
  }
}

function fieldProblems(where: string, fields: readonly FieldInfo[]): Failure[] {
  for (const f of fields) {
    const bad =
      !Number.isSafeInteger(f.offset) || f.offset < 0 ? `offset ${f.offset}`
      : !Number.isSafeInteger(f.size) || f.size < 0 ? `size ${f.size}`
      : /undefined|NaN/.test(f.value) || /undefined|NaN/.test(f.name) ? `text "${f.name}: ${f.value}"`
      : undefined;
    if (bad) return [{ kind: 'bad-finding', signature: `fields:${where}:${f.path.replace(/\[\d+\]/g, '[]')}:${bad.split(' ')[0]}`, detail: `${where} ${f.path}: ${bad}` }];
  }
  return [];
}
