import type { FieldInfo } from '../shared/format/fieldInfo';
import { describe } from '../shared/describe/describe';
import type { ApplyFixArgs, GuestLocationResult, InspectResult } from '../shared/protocol';
import type { Analysis, ShownFinding } from './documentAnalysis';
import { quickFix } from './fixes';
import type { ServedImage } from './servedImage';
import type { Settings } from './settings';

/** Most findings listed for one byte (a huge field such as a leaked tail may hold many). */
const MAX_FINDINGS = 50;

/** Everything known about one byte: what hovers, the webview card and the structure view show. */
export interface ByteInfo {
  field: FieldInfo;
  /** The findings on the field's bytes, as the settings show them. */
  findings: ShownFinding[];
  /** For data bytes: the guest offsets this host byte backs. */
  guest: GuestLocationResult[];
  /** The state is still being checked: findings and data classification are not known yet. */
  checking: boolean;
}

export function inspectByte(analysis: Analysis, settings: Settings, offset: number): ByteInfo {
  const checked = analysis.checked;
  const field = describe(analysis.image, offset, checked?.space);
  const findings = checked
    ? analysis
        .view(settings)
        .index.overlapping(field.offset, field.offset + Math.max(1, field.size))
        .slice(0, MAX_FINDINGS)
    : [];
  return { field, findings, guest: guestOf(analysis, offset), checking: !checked };
}

/** The guest offsets a host byte backs: one per BAT entry whose cluster covers it (more means aliasing). */
export function guestOf(analysis: Analysis, host: number): GuestLocationResult[] {
  const space = analysis.checked?.space;
  if (!space || host >= space.geometry.fileSize) return [];
  const g = space.geometry;
  return space.segmentAt(host).entries.map((i) => ({ guestOffset: i * g.clusterSize + (host - space.hostOf(i)), batIndex: i, hostOffset: host }));
}

/** The structured answer of hddLens/inspect: the byte's field, findings, their fixes and guest locations. */
export function inspectResult(doc: ServedImage, analysis: Analysis, settings: Settings, offset: number): InspectResult {
  const info = inspectByte(analysis, settings, offset);
  const fixes: ApplyFixArgs[] = [];
  for (const f of info.findings) {
    const fix = quickFix(doc, analysis, f);
    if (fix) fixes.push(fix);
  }
  const result: InspectResult = { field: info.field, findings: info.findings.map(({ finding: _f, shown: _s, ...w }) => w), fixes };
  if (info.guest.length > 0) result.guest = info.guest;
  return result;
}
