/**
 * `check -r MODE BUNDLE`: the safe repairs of a bundle. With `all`, the descriptor fixes of the bundle rules
 * (edits at the parsed positions, written atomically with a backup); with either mode, the image repair of each
 * storage's top image (through `repairImage`, the journalled write path of images). A lower image is shared by
 * every branch above it, and an image outside the bundle folder may be another bundle's: neither is written unless
 * the caller names it (`images`). Then the bundle is checked
 * again, and the report carries what was done.
 */
import { resolve } from 'node:path';
import { type RepairOptions, repairImage } from './check';
import type { RepairMode } from '../engine/repair';
import { BUNDLE_RULES } from '../rules/bundle';
import { BundleError, allImages } from '../bundle/bundle';
import { type BundleCheckReport, checkBundle } from './bundleCheck';
import { writeDescriptor } from '../bundle/descriptorWrite';
import { topImages } from '../bundle/layout';
import { BundleContext, type TextEdit } from '../bundle/rule';
import { applyTextEdits } from '../bundle/textEdits';

export interface ImageRepairReport {
  file: string;
  steps: string[];
  refused?: string;
}

export interface BundleRepairReport {
  mode: RepairMode;
  /** The descriptor fixes written, one line each (empty with `-r leaks` or when none applies). */
  descriptor: string[];
  images: ImageRepairReport[];
  before: { corruptions: number; leaks: number };
}

export interface BundleRepairOptions extends RepairOptions {
  /** Image files to repair besides the tops (paths as given; each must be an image of the bundle). */
  images?: readonly string[];
}

export function repairBundle(dir: string, mode: RepairMode, options: BundleRepairOptions = {}): BundleCheckReport & { repair: BundleRepairReport } {
  const first = checkBundle(dir);
  const b = first.bundle;
  const repair: BundleRepairReport = { mode, descriptor: [], images: [], before: { corruptions: first.report.corruptions, leaks: first.report.leaks } };
  if (mode === 'all' && b.descriptor) {
    const ctx = new BundleContext(b);
    const edits: TextEdit[] = [];
    for (const rule of BUNDLE_RULES) {
      if (!rule.edits || !first.findings.some((f) => f.code === rule.code && f.repair !== undefined)) continue;
      const e = rule.edits(ctx);
      if (e.length === 0) continue;
      edits.push(...e);
      repair.descriptor.push(`${rule.code}: ${rule.fix}`);
    }
    if (edits.length > 0) writeDescriptor(b.dir, b.descriptorPath, b.text, applyTextEdits(b.text, edits));
  }
  for (const path of imagesToRepair(first, options.images ?? [])) {
    const run = repairImage(path, mode, options);
    const r: ImageRepairReport = { file: path, steps: run.applied ? run.outcome.plan.steps : [] };
    if (run.outcome.refused !== undefined) r.refused = run.outcome.refused;
    repair.images.push(r);
  }
  return { ...checkBundle(dir).report, repair };
}

/** The top image of each storage with findings to repair, plus the images asked for by name. */
function imagesToRepair(check: ReturnType<typeof checkBundle>, named: readonly string[]): string[] {
  const b = check.bundle;
  const known = new Map(
    allImages(b)
      .filter((i) => i.file?.kind === 'file')
      .map((i) => [resolve(i.file?.path ?? ''), i]),
  );
  for (const n of named) {
    if (!known.has(resolve(n))) throw new BundleError(`${n}: is not an image of the bundle ${b.dir}`);
  }
  const paths = new Set<string>();
  // A top outside the folder (bundle-file-outside) may be another bundle's image: repaired only when named.
  for (const t of topImages(b)) if (t?.file?.kind === 'file' && !t.file.outside && t.decoded?.geometry) paths.add(resolve(t.file.path));
  for (const n of named) paths.add(resolve(n));
  const withRepairs = new Set(check.report.images.filter((r) => r.findings.some((f) => f.repair !== undefined)).map((r) => resolve(r.filename)));
  return [...paths].filter((p) => withRepairs.has(p));
}
