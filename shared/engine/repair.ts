import type { ByteSource } from '../io/byteSource';
import { OverlaySource } from '../io/overlaySource';
import type { EditSet } from '../io/patch';
import { decodeImage } from '../format/image';
import { CheckContext } from '../check/context';
import type { Finding } from '../check/finding';
import type { Rule } from '../rules/rule';
import { PHASES } from '../check/ruleInfo';
import { applyRules } from './check';
import { RULES, ruleByCode } from '../rules/imageRules';
import { isNecessary } from '../format/extension';
import { PlanBuilder, RepairError } from '../repair/planBuilder';
import { growthRefusal } from '../repair/growthBound';
import type { ProgressCallback } from '../io/progress';
import { PlanProgress } from './planProgress';

/** Each pass repairs a phase; passes beyond this mean repairs that do not converge (a bug, reported as such). */
const MAX_PASSES = 64;

export type RepairMode = 'leaks' | 'all';

/** A repair as data: what to write, in words and in bytes. Applying it is the caller's business. */
export interface RepairPlan extends EditSet {
  title: string;
  /** What each repair step does, in order. */
  steps: string[];
}

export interface RepairOptions {
  /** Plan even where the format forbids writing (an unknown NECESSARY feature), or the file would grow past its bound. */
  force?: boolean;
  /** Codes of rules neither checked nor repaired. */
  ignore?: readonly string[];
  /**
   * How far the plan is: `done` of `total` (PLAN_PROGRESS_TOTAL, per mille), rising, by passes and by pieces of each
   * pass's BAT scan (planProgress.ts), last (total, total). A callback that throws stops the plan (a user cancelled
   * it): planning only reads the source, so nothing is left behind.
   */
  onProgress?: ProgressCallback;
}

export interface RepairOutcome {
  plan: RepairPlan;
  /** Why nothing may be written (a NECESSARY extension feature this tool does not know), if so. */
  refused?: string;
  /** Findings left after the plan, as the planner sees the repaired state. */
  remaining: Finding[];
  /** Clusters the plan copies (relocated BAT entries): what alone may grow the file beyond its own padding. */
  copied?: number;
}

/** The rule code whose presence forbids any write (spec: "the file should not be changed"). */
export const WRITE_BLOCKING_CODE = 'ext-unknown-necessary';

/** Whether a finding is repaired in this mode. */
export function repairable(f: Finding, mode: RepairMode): boolean {
  return f.repairMode !== undefined && (mode === 'all' || f.repairMode === 'leaks');
}

/**
 * Plans the repair of everything repairable in `mode`, phase by phase (header, space, BAT, extension): each phase
 * is planned on the state the previous ones left, re-decoded, so repairs compose. Stops when a pass changes
 * nothing, which also makes a second `-r all` a no-op.
 */
export function planRepair(source: ByteSource, mode: RepairMode, options: RepairOptions = {}): RepairOutcome {
  const progress = new PlanProgress(options.onProgress);
  const outcome = planPasses(source, mode, options, progress);
  progress.finish();
  return outcome;
}

function planPasses(source: ByteSource, mode: RepairMode, options: RepairOptions, progress: PlanProgress): RepairOutcome {
  const state = new OverlaySource(source);
  const steps: string[] = [];
  const title = mode === 'all' ? 'Repair all problems' : 'Repair leaks';
  // A refusal or a failed repair in any pass writes nothing: what remains is then what the image has now.
  let initial: Finding[] | undefined;
  // What relocations vacated and how many clusters they appended, over all passes (allocator.ts, growthBound.ts).
  const vacated: Array<[number, number]> = [];
  let appended = 0;
  let copied = 0;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const { ctx, findings } = checkPass(state, options.ignore, progress);
    initial ??= findings;
    const refused = refusal(ctx, findings, options.force, pass > 0);
    if (refused) return { plan: { title, patches: [], steps: [] }, refused, remaining: initial };
    const todo = findings.filter((f) => repairable(f, mode));
    const phases = PHASES.filter((p) => todo.some((f) => ruleByCode(f.code)?.phase === p));
    const phase = phases[0];
    progress.checked(phases.length);
    const g = ctx.geometry;
    if (!phase || !g) return { plan: { title, ...state.edits, steps }, remaining: findings, copied };
    const builder = new PlanBuilder(state, g, ctx.scan && { scan: ctx.scan, vacated });
    try {
      for (const rule of rulesToRun(todo, phase)) rule.repair?.(ctx, builder);
    } catch (e) {
      if (!(e instanceof RepairError)) throw e;
      return { plan: { title, patches: [], steps: [] }, refused: e.message, remaining: initial };
    }
    appended += builder.appended;
    copied += builder.copies;
    for (const r of builder.vacated) vacated.push(r);
    const tooBig = options.force ? undefined : growthRefusal(source.size, state.size, appended, g);
    if (tooBig) return { plan: { title, patches: [], steps: [] }, refused: tooBig, remaining: initial };
    // Not push(...steps): a pass may relocate hundreds of thousands of entries, past the argument limit.
    for (const s of builder.steps) steps.push(s);
    // Every repair names what it wrote; a pass that wrote nothing cannot make progress on another try.
    if (builder.steps.length === 0) break;
    progress.passed();
  }
  const { findings } = checkPass(state, options.ignore, progress);
  return { plan: { title, ...state.edits, steps }, remaining: findings, copied };
}

/** A check of the planned state; with a progress listener, its BAT read and scan report by pieces (the same check). */
function checkPass(state: ByteSource, ignore: readonly string[] | undefined, progress: PlanProgress): { ctx: CheckContext; findings: Finding[] } {
  if (!progress.wanted) {
    const ctx = new CheckContext(decodeImage(state));
    return { ctx, findings: applyRules(ctx, { ignore }) };
  }
  const ctx = new CheckContext(decodeImage(state, { onBatRead: (done, total) => progress.read(done, total) }));
  ctx.scanReporting((done, total) => progress.scanned(done, total));
  return { ctx, findings: applyRules(ctx, { ignore }) };
}

/** Plans the fix of one finding alone (a quick fix): the same repair code, restricted to that instance. */
export function planFix(source: ByteSource, finding: Finding, options: { force?: boolean; context?: CheckContext } = {}): RepairPlan | undefined {
  const rule = ruleByCode(finding.code);
  if (!rule?.repair || finding.repairMode === undefined) return undefined;
  // A caller that holds the source's checked context (the language server) passes it: no second decode and scan.
  const ctx = options.context ?? new CheckContext(decodeImage(source));
  if (!ctx.geometry) return undefined;
  // The extension rules are all a refusal depends on, and they never scan the BAT.
  if (refusal(ctx, applyRules(ctx, { rules: RULES.filter((r) => r.phase === 'extension') }), options.force)) return undefined;
  const state = new OverlaySource(source);
  const builder = new PlanBuilder(state, ctx.geometry, ctx.scan && { scan: ctx.scan, vacated: [] });
  try {
    rule.repair(ctx, builder, finding);
  } catch (e) {
    if (e instanceof RepairError) return undefined;
    throw e;
  }
  if (builder.steps.length === 0) return undefined;
  if (!options.force && growthRefusal(source.size, state.size, builder.appended, ctx.geometry)) return undefined;
  // The steps are imperative ("copy the cluster of BAT entry 5 ..."): the title is what the button will do.
  const title = builder.steps.join('; ');
  return { title: title.charAt(0).toUpperCase() + title.slice(1), steps: builder.steps, ...state.edits };
}

/**
 * Why nothing may be written: "If the software cannot load the extension (due to an unknown magic number or error)
 * [and it is NECESSARY], the file should not be changed": an unknown NECESSARY feature, or a corruption inside a
 * NECESSARY feature section, or a checksum that fails while one is present. Dropping such a feature is not allowed.
 */
export function refusal(ctx: CheckContext, findings: readonly Finding[], force = false, planned = false): string | undefined {
  if (force) return undefined;
  // Found on the state earlier repair phases planned (a header repair can bring a different extension to light).
  const refusing = planned ? 'refusing to write: the first repairs would lead to an image in which' : 'refusing to write:';
  const unknown = findings.find((f) => f.code === WRITE_BLOCKING_CODE);
  if (unknown) return `${refusing} ${unknown.message} (the format forbids changing such a file; --force overrides)`;
  const necessary = ctx.image.extension?.features.filter(isNecessary) ?? [];
  const broken = findings.find(
    (f) =>
      f.category === 'corruption' && (f.code === 'ext-bad-checksum' || necessary.some((n) => f.offset >= n.offset && f.offset < n.dataOffset + n.dataSize)),
  );
  if (necessary.length === 0 || !broken) return undefined;
  return `${refusing} ${broken.message}, and the extension holds a NECESSARY feature that cannot be loaded (the format forbids changing such a file; --force overrides)`;
}

function rulesToRun(todo: readonly Finding[], phase: string): Rule[] {
  const codes = new Set(todo.map((f) => f.code));
  return RULES.filter((r) => r.phase === phase && codes.has(r.code));
}
