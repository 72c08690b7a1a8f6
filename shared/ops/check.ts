/**
 * `check` as data: the report that `hdd-lens check --json` prints (a public contract: users script against its
 * field names), and the repair run behind `check -r`. No printing here; the CLI formats these objects.
 */
import type { ByteSource } from '../io/byteSource';
import type { ProgressCallback } from '../io/progress';
import { FileSource } from '../io/fileSource';
import { type ImageWriter, type WriterOptions, withImageWriter } from '../io/imageWriter';
import type { ApplyResult, RecoveryResult } from '../io/journal';
import type { CheckContext } from '../check/context';
import { type Finding, type FindingReport, findingReport } from '../check/finding';
import { checkImage } from '../engine/check';
import { countFindings } from '../check/counts';
import type { Geometry } from '../format/geometry';
import type { Variant } from '../format/header';
import type { DecodedImage } from '../format/image';
import { type RepairMode, type RepairOutcome, planRepair } from '../engine/repair';
import { changesSomething } from '../io/patch';

export interface CheckReport {
  filename: string;
  format: 'parallels';
  variant: Variant | null;
  findings: FindingReport[];
  corruptions: number;
  leaks: number;
  warnings: number;
  infos: number;
  /** Allocated BAT entries, as qemu-img's "N/M = x% allocated". */
  allocatedClusters: number;
  /** BAT entries (nb_bat_entries), qemu-img's M. */
  totalClusters: number;
  /** Allocated clusters whose host cluster does not follow the previous entry's (qemu-img's definition). */
  fragmentedClusters: number;
  /** End of the last cluster in use (what a leak repair truncates to), as qemu-img's "Image end offset". */
  imageEndOffset: number;
  /** 1 when the check could not complete: the header hides the rest of the image. */
  checkErrors: 0 | 1;
  repair?: RepairReport;
}

export interface RepairReport {
  mode: RepairMode;
  /** What the repair did (or would have done, when refused), in order. */
  steps: string[];
  /** Why nothing was written, when nothing may be. */
  refused?: string;
  /** The counts before the repair (the report's own counts are the state after it). */
  before: { corruptions: number; leaks: number };
}

/** Checks an image read through `source` (which names the file) and reports as `check --json` does. */
export function checkReport(source: ByteSource): CheckReport {
  const { image, context, findings } = checkImage(source);
  return assembleReport(source, image, context, findings);
}

/** The report of a finished check (however the image was read). */
export function assembleReport(source: ByteSource, image: DecodedImage, context: CheckContext, findings: Finding[]): CheckReport {
  const g = image.geometry;
  const scan = context.scan;
  return {
    filename: source.name,
    format: 'parallels',
    variant: image.header.variant ?? null,
    findings: findings.map(findingReport),
    ...countFindings(findings),
    allocatedClusters: scan?.allocated ?? 0,
    totalClusters: g ? g.batEntries : 0,
    fragmentedClusters: scan?.fragmented ?? 0,
    imageEndOffset: scan?.usedEnd ?? 0,
    checkErrors: image.blocker === undefined ? 0 : 1,
  };
}

/**
 * qemu-img counts an allocated entry as fragmented when the entry before it is allocated too and its cluster
 * does not directly follow that one's on the host; an unallocated entry breaks the chain (it is not a jump).
 * Counts the entries in [from, to) (the entry before `from` must be in `bat` already).
 */
export function fragmentedClusters(g: Geometry, bat: Uint32Array, from = 0, to = bat.length): number {
  const step = g.clusterSize / g.unit;
  let fragmented = 0;
  let prev = from > 0 ? bat[from - 1] : 0;
  for (let i = from; i < to; i++) {
    const e = bat[i];
    if (e !== 0 && prev !== 0 && prev + step !== e) fragmented++;
    prev = e;
  }
  return fragmented;
}

/** The exit status `qemu-img check` would give: 1 incomplete, 2 corruptions, 3 leaks only, 0 clean. */
export function checkExitCode(r: Pick<CheckReport, 'checkErrors' | 'corruptions' | 'leaks'>): 0 | 1 | 2 | 3 {
  if (r.checkErrors) return 1;
  if (r.corruptions > 0) return 2;
  if (r.leaks > 0) return 3;
  return 0;
}

export interface RepairRun {
  before: CheckReport;
  outcome: RepairOutcome;
  /** Set when the plan was written (absent when refused, impossible or there was nothing to write). */
  applied?: ApplyResult;
  /** The report of the image after the repair, with its `repair` section. */
  after: CheckReport;
}

export interface RepairOptions extends WriterOptions {
  /** Overrides the planner's refusals and the in-use marker (never a lock another process holds). */
  force?: boolean;
  /** How far the planning is (planRepair's onProgress: the CLI's `-p` line while it plans). */
  onPlanProgress?: ProgressCallback;
  /** Called with the plan before anything is written (the CLI prints its "Repairing ..." lines). */
  onPlan?: (outcome: RepairOutcome) => void;
  /** Called when an interrupted earlier write was recovered first. */
  onRecovered?: (r: RecoveryResult) => void;
}

/**
 * `check -r MODE` on a file: lock the image (imageWriter.ts: refused while another process holds it), recover an
 * interrupted earlier write, check, plan (`planRepair`), write the plan through the journal, check again, all
 * through the one locked descriptor, so nothing can change the image between the read and the last write. An
 * image whose header hides the rest (check errors) is never written; one marked in use ("Ynot") only with --force.
 */
export function repairImage(path: string, mode: RepairMode, options: RepairOptions = {}): RepairRun {
  return withImageWriter(path, options, (w) => {
    const recovered = w.recover();
    if (recovered.recovered) options.onRecovered?.(recovered);
    const { before, outcome } = readThrough(w, (src) => {
      const report = checkReport(src);
      return { before: report, outcome: planOrRefuse(src, report, mode, options.force === true, options.onPlanProgress) };
    });
    options.onPlan?.(outcome);
    const applied = !outcome.refused && writesSomething(outcome) ? w.apply(outcome.plan) : undefined;
    const after = applied ? readThrough(w, checkReport) : before;
    const repair: RepairReport = {
      mode,
      steps: outcome.plan.steps,
      before: { corruptions: before.corruptions, leaks: before.leaks },
    };
    if (outcome.refused !== undefined) repair.refused = outcome.refused;
    const run: RepairRun = { before, outcome, after: { ...after, repair } };
    if (applied) run.applied = applied;
    return run;
  });
}

function planOrRefuse(src: ByteSource, report: CheckReport, mode: RepairMode, force: boolean, onProgress?: ProgressCallback): RepairOutcome {
  const none = (refused: string): RepairOutcome => ({ plan: { title: '', patches: [], steps: [] }, refused, remaining: [] });
  if (report.checkErrors)
    return none('not repairing: the check could not complete (the header does not describe a readable Parallels image); nothing was written');
  if (!force && report.findings.some((f) => f.code === 'image-unclean')) {
    return none(
      'not repairing: the image is marked in use (in_use = "Ynot"). No process holds a lock on it, but a virtual machine that takes no locks (Parallels Desktop, an old QEMU) may have it open, and writing under it destroys the disk. If no VM uses it (it was not closed after a crash), repair with --force; nothing was written',
    );
  }
  return planRepair(src, mode, onProgress ? { force, onProgress } : { force });
}

function readThrough<T>(w: ImageWriter, f: (src: FileSource) => T): T {
  const src = w.source();
  try {
    return f(src);
  } finally {
    src.close();
  }
}

function writesSomething(outcome: RepairOutcome): boolean {
  return changesSomething(outcome.plan);
}

/** Runs `f` on the file opened as a byte source, closing it afterwards. */
export function withFile<T>(path: string, f: (src: FileSource) => T): T {
  const src = new FileSource(path);
  try {
    return f(src);
  } finally {
    src.close();
  }
}
