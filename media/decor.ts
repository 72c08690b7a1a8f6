/**
 * What colours and underlines each byte of a page: the region kind from the server's hddLens/regions answer (kinds
 * only) and the worst severity of the findings on it, from the findings the host pushed. This is the one place that
 * computes a byte's severity. One byte per byte of the page, so the grid's render loop only indexes arrays.
 */
import type { Region, WireFinding } from '../shared/protocol';
import { type RegionKind, REGION_KINDS as KNOWN_KINDS } from '../shared/format/regionKinds';
import type { Severity } from '../shared/check/finding';
import { PAGE_SIZE } from './pageCache';

/** A byte's kind code indexes this list: 0 for a byte no region covers, then the kinds of the table. */
export const REGION_KINDS: readonly (RegionKind | 'unknown')[] = ['unknown', ...KNOWN_KINDS];
const KIND_CODE = new Map<string, number>(REGION_KINDS.map((k, i) => [k, i]));

/** 0 none, 1 info, 2 warning, 3 error. */
export const SEVERITY_NAMES = ['none', 'info', 'warning', 'error'] as const;
export function severityCode(s: Severity | undefined): number {
  return s === 'error' ? 3 : s === 'warning' ? 2 : s === 'info' ? 1 : 0;
}

export interface PageDecor {
  kinds: Uint8Array;
  severities: Uint8Array;
}

export function buildDecor(page: number, regions: Region[] | undefined, findings: readonly WireFinding[]): PageDecor {
  const start = page * PAGE_SIZE;
  const kinds = new Uint8Array(PAGE_SIZE);
  const severities = new Uint8Array(PAGE_SIZE);
  for (const r of regions ?? []) {
    const [a, b] = clip(r.offset, r.length, start);
    if (a >= b) continue;
    kinds.fill(KIND_CODE.get(r.kind) ?? 0, a, b);
  }
  for (const f of findings) {
    const [a, b] = clip(f.offset, Math.max(1, f.length), start);
    if (a < b) raise(severities, severityCode(f.severity), a, b);
  }
  return { kinds, severities };
}

function clip(offset: number, length: number, pageStart: number): [number, number] {
  const a = Math.max(offset, pageStart) - pageStart;
  const b = Math.min(offset + length, pageStart + PAGE_SIZE) - pageStart;
  return [a, b];
}

function raise(into: Uint8Array, s: number, a: number, b: number): void {
  for (let i = a; i < b; i++) if (into[i] < s) into[i] = s;
}
