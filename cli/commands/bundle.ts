/**
 * The commands on bundles: `check`, `info`, `map` and `convert` hand a bundle folder, its DiskDescriptor.xml or a
 * `.pvm` folder (every disk bundle in it) here; an image file stays with the image commands. Each command opens
 * the bundle read-only (an image with a pending journal is read as it is on disk, and the reader is told), then prints.
 * Bundled apart (dist/commands/bundle.js) and loaded only for a bundle (./bundleTarget.ts): each entry runs in this
 * bundle's own copy of the CLI's failure handling and output, so that the error classes it tests are the ones
 * thrown here and what is printed here is flushed here.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type Bundle, BundleError, allImages, openBundle } from '../../shared/bundle/bundle';
import { type BundleCheckReport, checkBundle } from '../../shared/ops/bundleCheck';
import { ChainSource } from '../../shared/bundle/chainSource';
import { convertBundle } from '../../shared/ops/bundleConvert';
import { repairBundle } from '../../shared/ops/bundleRepair';
import { bundleSummary } from '../../shared/ops/bundleSummary';
import { checkExitCode } from '../../shared/ops/check';
import type { RepairMode } from '../../shared/engine/repair';
import type { ProgressCallback } from '../../shared/io/progress';
import { UsageError } from '../args';
import { journalOptions } from '../journalHooks';
import { findJournal } from '../../shared/io/journal';
import { complain, stderr, stdout } from '../output';
import { bundleMapJson, printBundleCheck, printBundleInfo, printBundleMap } from './bundleText';
import type { BundleTarget } from './bundleTarget';
import { commandMain } from '../execute';

function bundleDirs(t: BundleTarget): string[] {
  return t.kind === 'vm' ? t.bundles : [t.dir];
}

/**
 * Opens a bundle to read it. Reads never write: an image with an interrupted write's journal beside it is read as
 * it is on disk and the reader is told (`check -r` and `hdd-lens recover` finish such a write).
 */
function openForReading(dir: string): Bundle {
  const bundle = openBundle(dir);
  for (const i of allImages(bundle)) {
    if (i.file?.kind !== 'file') continue;
    const journal = findJournal(i.file.path, statSync(i.file.path));
    if (journal)
      complain(
        `${i.file.path}: an interrupted write left its journal ${journal}; the bundle is read as the image is on disk (run 'hdd-lens recover ${i.file.path}' or 'check -r' to finish it)`,
      );
  }
  return bundle;
}

export interface BundleCheckOptions {
  json: boolean;
  mode?: RepairMode;
  force: boolean;
  images: string[];
}

function checkBundles(t: BundleTarget, o: BundleCheckOptions): number {
  if (o.images.length > 0 && o.mode === undefined) throw new UsageError('--image only applies to a repair (-r leaks|all)', 'check');
  const reports = bundleDirs(t).map((dir) => checkOne(dir, o));
  const total = totals(reports);
  if (o.json) stdout.line(JSON.stringify(t.kind === 'vm' ? { filename: t.dir, format: 'parallels-vm', disks: reports, ...total } : reports[0], null, 2));
  else reports.forEach((r, n) => printBundleCheck(stdout, r, n > 0 || reports.length > 1));
  return checkExitCode(total);
}

function checkOne(dir: string, o: BundleCheckOptions): BundleCheckReport {
  const b = openForReading(dir);
  if (o.mode === undefined) return checkBundle(b.dir).report;
  const report = repairBundle(b.dir, o.mode, {
    force: o.force,
    images: o.images,
    ...journalOptions(),
    onPlan(outcome) {
      if (outcome.refused !== undefined) return;
      for (const s of outcome.plan.steps) stderr.line(`Repairing: ${s}`);
      stderr.flush();
    },
  });
  for (const s of report.repair.descriptor) stderr.line(`Repairing: ${b.descriptorPath}: ${s}`);
  for (const i of report.repair.images) if (i.refused !== undefined) complain(`${i.file}: ${i.refused}`);
  stderr.flush();
  return report;
}

function totals(reports: readonly BundleCheckReport[]): { corruptions: number; leaks: number; warnings: number; infos: number; checkErrors: 0 | 1 } {
  const sum = (k: 'corruptions' | 'leaks' | 'warnings' | 'infos'): number => reports.reduce((n, r) => n + r[k], 0);
  return {
    corruptions: sum('corruptions'),
    leaks: sum('leaks'),
    warnings: sum('warnings'),
    infos: sum('infos'),
    checkErrors: reports.some((r) => r.checkErrors) ? 1 : 0,
  };
}

function infoBundles(t: BundleTarget, json: boolean): number {
  const infos = bundleDirs(t).map((dir) => {
    const b = openForReading(dir);
    return { filename: b.dir, format: 'parallels-bundle' as const, descriptor: b.descriptorPath, bundle: bundleSummary(b) };
  });
  if (json) stdout.line(JSON.stringify(t.kind === 'vm' ? { filename: t.dir, format: 'parallels-vm', disks: infos } : infos[0], null, 4));
  else infos.forEach((i, n) => printBundleInfo(stdout, i, n > 0));
  return 0;
}

function mapBundles(t: BundleTarget, json: boolean): number {
  const dirs = bundleDirs(t);
  if (json && t.kind === 'vm') stdout.text('[');
  dirs.forEach((dir, n) => {
    const chain = ChainSource.open(openForReading(dir));
    try {
      if (json) {
        if (t.kind === 'vm') stdout.text(`${n > 0 ? ',\n' : ''}{ "bundle": ${JSON.stringify(dir)}, "map": `);
        bundleMapJson(stdout, chain);
        if (t.kind === 'vm') stdout.text('}');
      } else printBundleMap(stdout, chain, dirs.length > 1);
    } finally {
      chain.close();
    }
  });
  if (json && t.kind === 'vm') stdout.text(']\n');
  return 0;
}

/**
 * One bundle converts to OUT. A VM with several disks converts into the folder OUT (which must exist), one
 * `NAME.raw` per disk bundle `NAME.hdd`.
 */
async function convertBundles(
  t: BundleTarget,
  out: string,
  o: { snapshot?: string; overwrite: boolean; sync: boolean; onProgress?: ProgressCallback },
): Promise<number> {
  const dirs = bundleDirs(t);
  if (dirs.length > 1 && o.snapshot !== undefined)
    throw new UsageError('--snapshot names a snapshot of one disk; give that disk bundle, not the VM', 'convert');
  if (dirs.length > 1 && !(existsSync(out) && statSync(out).isDirectory())) {
    throw new BundleError(
      `${t.dir}: holds ${dirs.length} disks (${dirs.map((d) => basename(d)).join(', ')}); give an existing folder as OUT to convert them all, or one disk bundle`,
    );
  }
  for (const dir of dirs) {
    const target = dirs.length > 1 ? join(out, `${basename(dir).replace(/\.hdd$/, '')}.raw`) : out;
    await convertBundle(openForReading(dir), target, o);
  }
  return 0;
}

/** Runs `run` as a command of its own: its failures become messages and exit statuses, its output is flushed. */
function apart<A extends unknown[]>(run: (...a: A) => number | Promise<number>): (...a: A) => Promise<number> {
  return (...a) => commandMain(() => run(...a))([]);
}

export const bundleCheck = apart(checkBundles);
export const bundleInfo = apart(infoBundles);
export const bundleMap = apart(mapBundles);
export const bundleConvert = apart(convertBundles);
