/**
 * What must hold for every image, however hostile: the engine's promises, checked on one input. Each broken
 * promise is a `Failure` with a kind and a short signature, so that a campaign can group thousands of cases into
 * the few distinct bugs behind them.
 */
import type { Finding } from '../../shared/check/finding';
import { checkImage } from '../../shared/engine/check';
import { countFindings } from '../../shared/check/counts';
import { type DecodedImage, decodeImage } from '../../shared/format/image';
import { CheckContext } from '../../shared/check/context';
import { EXT_PARSE_CAP, extensionMagicOk } from '../../shared/format/extension';
import { BufferSource, type ByteSource } from '../../shared/io/byteSource';
import { growthAllowance } from '../../shared/repair/growthBound';
import { OverlaySource } from '../../shared/io/overlaySource';
import { type EditSet, changesSomething } from '../../shared/io/patch';
import { type RepairOutcome, planFix, planRepair } from '../../shared/engine/repair';
import { badEntries } from '../../shared/check/bitmapEntries';
import { ruleByCode } from '../../shared/rules/catalogue';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CountingSource } from '../countingSource';
import { extraChecks } from './extraChecks';
import type { Prng } from './prng';

export type FailureKind =
  | 'exception'
  | 'bad-finding'
  | 'memory'
  | 'slow'
  | 'too-much-work'
  | 'repair-leaves-problems'
  | 'repair-not-idempotent'
  | 'repair-grows'
  | 'plan-disagrees'
  | 'guest-data-changed'
  | 'bad-plan';

export interface Failure {
  kind: FailureKind;
  /** Stable across cases with the same cause: kind, rule codes, the top engine frame of a stack. */
  signature: string;
  detail: string;
}

/** Rules whose findings mean the image cannot be repaired at all: the header hides where everything is. */
const UNREPAIRABLE = new Set(['bad-magic', 'bad-version', 'header-truncated', 'zero-cluster-size', 'cluster-size-too-large', 'bat-too-large']);

/** Most single-finding quick fixes tried per case (a flood of findings is sampled). */
const FIXES_PER_CASE = 12;

export interface CaseReport {
  failures: Failure[];
  /** Live ArrayBuffer bytes the case holds at its end, and what it may hold. */
  memory: { used: number; allowed: number };
  /** The largest image the case deals with: the input or a repair's output (a repair may honestly grow it). */
  outputSize: number;
  findings: number;
  codes: string[];
}

/**
 * Runs every check on `bytes`. Never throws: an exception is a failure like any other.
 *
 * The work of each engine call (a decode, a check, a plan) is bounded by the bytes it reads: a few passes over the
 * largest image involved (a repair that grows a file must then read it), never what a header claims beyond it.
 * `callMs`, given by the long campaigns (`npm run fuzz`) only, also bounds its time: 'slow' failures are confirmed
 * by a rerun on a quiet machine there, while `npm test` (a loaded CI machine) counts work alone.
 */
export function checkInvariants(bytes: Uint8Array, rng: Prng, callMs?: number): CaseReport {
  const failures: Failure[] = [];
  const keep: unknown[] = [];
  collectGarbage();
  const buffersBefore = process.memoryUsage().arrayBuffers;
  let findings: Finding[] = [];
  let planBytes = 0;
  let outputSize = bytes.length;
  const src = new CountingSource(new BufferSource(bytes, 'fuzz'));
  const guard = <T>(where: string, f: () => T, sizeOf?: (r: T) => number, calls = 1): T | undefined => {
    const t = performance.now();
    const readBefore = src.bytesRead;
    try {
      const r = f();
      const ms = performance.now() - t;
      const involved = Math.max(outputSize, sizeOf ? sizeOf(r) : 0);
      const read = src.bytesRead - readBefore;
      const readBound = calls * readBudget(involved);
      const name = where.replace(/\(.*\)/, '');
      if (read > readBound)
        failures.push({
          kind: 'too-much-work',
          signature: `too-much-work:${name}`,
          detail: `${where} read ${read} bytes (bound ${readBound}) of a ${bytes.length}-byte image`,
        });
      const bound = callMs === undefined ? Infinity : calls * timeBudget(callMs, involved);
      if (ms > bound)
        failures.push({
          kind: 'slow',
          signature: `slow:${name}`,
          detail: `${where} took ${ms.toFixed(0)} ms (bound ${bound} ms) on a ${bytes.length}-byte image`,
        });
      return r;
    } catch (e) {
      failures.push(exceptionFailure(where, e));
      return undefined;
    }
  };
  const image = guard('decodeImage', () => decodeImage(src));
  const result = guard('checkImage', () => checkImage(src));
  // Checking (no repair) may cost what the file holds, never what its header claims beyond it.
  // Allocated (live or not yet collected) by decode + check, then what they keep once garbage is collected.
  const checkUsed = process.memoryUsage().arrayBuffers - buffersBefore;
  const checkAllowed = memoryAllowance(bytes.length, 0);
  collectGarbage();
  const checkKept = process.memoryUsage().arrayBuffers - buffersBefore;
  const keptAllowed = keptAllowance(bytes.length);
  if (checkUsed > checkAllowed || checkKept > keptAllowed) {
    failures.push({
      kind: 'memory',
      signature: `memory:check:${codesOf(result?.findings ?? [])
        .slice(0, 4)
        .join(',')}`,
      detail: `decode + check of a ${bytes.length}-byte file: ${checkUsed} bytes of ArrayBuffers allocated (allowed ${checkAllowed}), ${checkKept} kept (allowed ${keptAllowed})`,
    });
  }
  if (result) {
    findings = result.findings;
    keep.push(image, result);
    failures.push(...findingProblems(findings, bytes.length));
    for (const f of sample(findings, FIXES_PER_CASE, rng)) {
      const plan = guard(
        `planFix(${f.code})`,
        () => planFix(src, f),
        (p) => (p ? editEnd(p) : 0),
      );
      if (plan) {
        planBytes += editBytes(plan);
        outputSize = Math.max(outputSize, editEnd(plan));
        keep.push(plan);
        failures.push(...planProblems(plan, `planFix(${f.code})`));
        guard(`recheck after planFix(${f.code})`, () => checkImage(new OverlaySource(src, plan)));
      }
    }
    for (const mode of ['leaks', 'all'] as const) {
      const outcome = guard(
        `planRepair(${mode})`,
        () => planRepair(src, mode),
        (o) => editEnd(o.plan),
      );
      if (!outcome) continue;
      planBytes += editBytes(outcome.plan);
      outputSize = Math.max(outputSize, editEnd(outcome.plan));
      keep.push(outcome);
      failures.push(...planProblems(outcome.plan, `planRepair(${mode})`));
      const after = guard(`recheck after planRepair(${mode})`, () => repairProblems(src, image, findings, outcome, mode));
      if (after) failures.push(...after);
    }
    // The front ends' reads: about five whole-image passes (info, map, check report, the server's analysis).
    const extra = guard('extraChecks', () => extraChecks(src, findings, rng), undefined, 5);
    if (extra) failures.push(...extra);
  }
  const used = process.memoryUsage().arrayBuffers - buffersBefore;
  const allowed = memoryAllowance(outputSize, planBytes);
  if (used > allowed) {
    failures.push({
      kind: 'memory',
      signature: `memory:${codesOf(findings).slice(0, 4).join(',')}`,
      detail: `${used} bytes of ArrayBuffers live at the end of the case, allowed ${allowed} (output ${outputSize} bytes)`,
    });
  }
  keep.length = 0;
  return { failures, memory: { used, allowed }, outputSize, findings: findings.length, codes: codesOf(findings) };
}

/**
 * What a case may honestly allocate: a fixed allowance (with two of the engine's 64 MiB buffers for parsing an
 * extension cluster, dropped after each decode), a few copies of the largest image it deals with (BAT arrays,
 * scan bitmaps, overlays) and the plans' own bytes (a repair that copies N clusters must hold them; growth
 * allocates buffers ahead, up to twice). A 4 GiB BAT claim on a small file is none of these.
 */
export function memoryAllowance(size: number, planBytes: number): number {
  return 32 * 1024 * 1024 + 2 * EXT_PARSE_CAP + 8 * size + 3 * planBytes;
}

/** What decode + check may keep once garbage is collected: the BAT and its analyses, a few copies of the file. */
export function keptAllowance(size: number): number {
  return 16 * 1024 * 1024 + 8 * size;
}

/** A full collection when the runtime lets us ask for one (V8 flag set at load), so that kept memory is measured. */
const collectGarbage: () => void = (() => {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    if (typeof gc !== 'function') return () => undefined;
    // Twice: freed ArrayBuffer memory is accounted by a sweeper that may lag one collection behind.
    return () => {
      (gc as () => void)();
      (gc as () => void)();
    };
  } catch {
    return () => undefined;
  }
})();

/**
 * Bytes one engine call may read: every cluster of the largest image it deals with a few times over (a check reads
 * the header, the BAT and each metadata cluster; a plan re-decodes once per pass), plus the extension parse buffer.
 */
export function readBudget(involvedSize: number): number {
  return 2 * EXT_PARSE_CAP + 16 * involvedSize;
}

/** Time for one engine call: a base, plus 1 s per 32 MiB of the largest image it deals with. */
export function timeBudget(baseMs: number, outputSize: number): number {
  return baseMs + Math.ceil(outputSize / (32 * 1024 * 1024)) * 1000;
}

function editBytes(e: EditSet): number {
  return e.patches.reduce((s, p) => s + p.data.length, 0);
}

/** The size of the file the edits leave. */
function editEnd(e: EditSet): number {
  const last = e.patches[e.patches.length - 1];
  const copied = (e.copies ?? []).reduce((end, c) => Math.max(end, c.offset + c.length), 0);
  return Math.max(e.size ?? 0, last ? last.offset + last.data.length : 0, copied);
}

function codesOf(findings: readonly Finding[]): string[] {
  return [...new Set(findings.map((f) => f.code))].sort();
}

function sample<T>(items: readonly T[], n: number, rng: Prng): T[] {
  if (items.length <= n) return [...items];
  return Array.from({ length: n }, () => items[rng.int(items.length)]);
}

/** A finding must name a known rule, a finite range and a message (its category may depend on the variant). */
function findingProblems(findings: readonly Finding[], fileSize: number): Failure[] {
  const out: Failure[] = [];
  for (const f of findings) {
    const rule = ruleByCode(f.code);
    const bad = !rule
      ? 'unknown code'
      : !Number.isSafeInteger(f.offset) || f.offset < 0
        ? `offset ${f.offset}`
        : !Number.isSafeInteger(f.length) || f.length < 0
          ? `length ${f.length}`
          : typeof f.message !== 'string' || f.message.length === 0 || /undefined|NaN/.test(f.message)
            ? `message "${f.message}"`
            : f.count !== undefined && (!Number.isSafeInteger(f.count) || f.count < 1)
              ? `count ${f.count}`
              : undefined;
    if (bad)
      out.push({
        kind: 'bad-finding',
        signature: `bad-finding:${f.code}:${bad.split(' ')[0]}`,
        detail: `${f.code}: ${bad} (file ${fileSize} bytes): ${f.message}`,
      });
  }
  return out;
}

/** Plans are disjoint, sorted patches of finite positions, within the final size. */
function planProblems(plan: EditSet, where: string): Failure[] {
  let end = -1;
  for (const p of plan.patches) {
    if (!Number.isSafeInteger(p.offset) || p.offset < end || p.data.length === 0 || (plan.size !== undefined && p.offset + p.data.length > plan.size)) {
      return [
        { kind: 'bad-plan', signature: `bad-plan:${where}`, detail: `${where}: patch at ${p.offset} (+${p.data.length}) after ${end}, size ${plan.size}` },
      ];
    }
    end = p.offset + p.data.length;
  }
  if (plan.size !== undefined && (!Number.isSafeInteger(plan.size) || plan.size < 0)) {
    return [{ kind: 'bad-plan', signature: `bad-plan:${where}:size`, detail: `${where}: size ${plan.size}` }];
  }
  // Copies: disjoint targets of finite positions within the size, sources of finite positions, none empty.
  let copied = -1;
  for (const c of plan.copies ?? []) {
    const ok = [c.offset, c.length, c.from, c.offset + c.length, c.from + c.length].every((n) => Number.isSafeInteger(n) && n >= 0);
    if (!ok || c.length === 0 || c.offset < copied || (plan.size !== undefined && c.offset + c.length > plan.size)) {
      return [
        {
          kind: 'bad-plan',
          signature: `bad-plan:${where}:copy`,
          detail: `${where}: copy to ${c.offset} (+${c.length}) from ${c.from} after ${copied}, size ${plan.size}`,
        },
      ];
    }
    copied = c.offset + c.length;
  }
  return [];
}

/**
 * After `-r all` the image re-checks without corruptions or leaks (unless the header makes it unrepairable or
 * the planner refused), a second `-r all` plans nothing, what the planner says remains is what a re-check of
 * the applied plan finds, and every BAT-mapped guest cluster reads the same bytes as before.
 */
function repairProblems(
  src: ByteSource,
  image: DecodedImage | undefined,
  before: readonly Finding[],
  outcome: RepairOutcome,
  mode: 'leaks' | 'all',
): Failure[] {
  const out: Failure[] = [];
  const beforeCodes = codesOf(before);
  const applied = new OverlaySource(src, outcome.plan);
  const after = checkImage(applied).findings;
  const afterCounts = countFindings(after);
  const remainingCounts = countFindings(outcome.remaining);
  if (afterCounts.corruptions !== remainingCounts.corruptions || afterCounts.leaks !== remainingCounts.leaks) {
    out.push({
      kind: 'plan-disagrees',
      signature: `plan-disagrees:${mode}:${codesOf(after).join(',')}|${codesOf(outcome.remaining).join(',')}`,
      detail: `${mode}: planner says ${JSON.stringify(remainingCounts)} remain (${codesOf(outcome.remaining)}), the applied plan re-checks ${JSON.stringify(afterCounts)} (${codesOf(after)})`,
    });
  }
  if (outcome.refused !== undefined || before.some((f) => UNREPAIRABLE.has(f.code))) return out;
  const left = after.filter((f) => (mode === 'all' ? f.category === 'corruption' || f.category === 'leak' : f.category === 'leak'));
  if (left.length > 0) {
    out.push({
      kind: 'repair-leaves-problems',
      signature: `leaves:${mode}:${codesOf(left).join(',')}`,
      detail: `${mode}: before ${beforeCodes.join(',')}; after: ${left
        .slice(0, 3)
        .map((f) => `${f.code}: ${f.message}`)
        .join(' | ')}`,
    });
  }
  const g = image?.geometry;
  // A repair grows a file by its copies and by a bounded padding at most (shared/repair/growthBound.ts).
  if (g && applied.size > src.size + (outcome.copied ?? 0) * g.clusterSize + growthAllowance(src.size)) {
    out.push({
      kind: 'repair-grows',
      signature: `grows:${mode}`,
      detail: `${mode}: ${src.size} -> ${applied.size} bytes with ${outcome.copied ?? 0} clusters copied; before: ${beforeCodes}`,
    });
  }
  if (mode === 'all') {
    const again = planRepair(applied, 'all');
    if (changesSomething(again.plan)) {
      out.push({
        kind: 'repair-not-idempotent',
        signature: `idempotent:${again.plan.steps
          .map((s) => s.replace(/\b0x[0-9a-f]+\b|\d+/g, 'N'))
          .slice(0, 2)
          .join(';')}`,
        detail: `second -r all: ${again.plan.steps.slice(0, 3).join('; ')} (${again.plan.patches.length} patches, ${again.plan.copies?.length ?? 0} copies, size ${again.plan.size}); before: ${beforeCodes}`,
      });
    }
  }
  if (image) out.push(...guestDataChanges(image, decodeImage(applied), outcome.plan, beforeCodes, mode));
  return out;
}

/**
 * Repairs keep data: every guest cluster the BAT mapped before reads the same bytes after. Left out are clusters
 * mapped onto the header and BAT, or onto valid format metadata (an extension with its magic, bitmap clusters of
 * valid L1 entries): the repair itself rewrites those bytes (a header field, a checksum), and their "data" was
 * never the guest's. Clusters under invalid metadata (a bitmap L1 entry pointing at guest data) are guest data.
 */
function guestDataChanges(before: DecodedImage, after: DecodedImage, plan: EditSet, beforeCodes: string[], mode: string): Failure[] {
  const gb = before.geometry;
  const ga = after.geometry;
  const bb = before.bat;
  const ba = after.bat;
  if (!gb || !ga || !bb || !ba || gb.clusterSize !== ga.clusterSize || gb.clusterSize > 4 * 1024 * 1024) return [];
  const reserved = reservedRanges(before).concat(reservedRanges(after));
  const targets = planTargets(plan);
  const n = Math.min(bb.length, ba.length, gb.diskClusters, ga.diskClusters);
  for (let i = 0; i < n; i++) {
    if (bb[i] === 0 && ba[i] === 0) continue;
    const hb = bb[i] * gb.unit;
    const ha = ba[i] * ga.unit;
    if (bb[i] !== 0 && reserved.some(([s, e]) => hb < e && s < hb + gb.clusterSize)) continue;
    if (bb[i] === ba[i] && !touched(targets, before.source.size, hb, gb.clusterSize)) continue;
    // Unallocated, or wholly past the end of the file: reads zeros, nothing to read.
    const zeroBefore = bb[i] === 0 || hb >= before.source.size;
    const zeroAfter = ba[i] === 0 || ha >= after.source.size;
    if (zeroBefore && zeroAfter) continue;
    const was = zeroBefore ? new Uint8Array(gb.clusterSize) : readCluster(before.source, hb, gb.clusterSize);
    const now = zeroAfter ? new Uint8Array(ga.clusterSize) : readCluster(after.source, ha, ga.clusterSize);
    const at = firstDifference(was, now);
    if (at >= 0) {
      return [
        {
          kind: 'guest-data-changed',
          signature: `guest-data:${mode}:${beforeCodes.filter((c) => c.startsWith('bat') || c.includes('data-off')).join(',')}`,
          detail: `${mode}: guest cluster ${i} (entry ${bb[i]} -> ${ba[i]}) differs at byte ${at}: ${was[at]} -> ${now[at]}; before ${beforeCodes}`,
        },
      ];
    }
  }
  return [];
}

/** A plan's targets (patches and copies) as sorted, disjoint-per-kind ranges, for `touched`. */
interface PlanTargets {
  size?: number;
  lists: Array<ReadonlyArray<{ offset: number; length: number }>>;
}

function planTargets(plan: EditSet): PlanTargets {
  const out: PlanTargets = { lists: [plan.patches.map((p) => ({ offset: p.offset, length: p.data.length })), plan.copies ?? []] };
  if (plan.size !== undefined) out.size = plan.size;
  return out;
}

/**
 * Whether the plan can have changed what a host range reads: a patch or copy overlaps it, or the size changed
 * across it. (Bytes the plan does not touch read the same; reading every cluster instead made huge BATs crawl.)
 */
function touched(plan: PlanTargets, oldSize: number, host: number, length: number): boolean {
  const end = host + length;
  if (plan.size !== undefined && Math.min(plan.size, oldSize) < end && Math.max(plan.size, oldSize) > host) return true;
  return plan.lists.some((list) => {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid].offset + list[mid].length <= host) lo = mid + 1;
      else hi = mid;
    }
    return lo < list.length && list[lo].offset < end;
  });
}

/** Header and BAT (up to the data area) and valid format metadata of an image, as [start, end) ranges. */
function reservedRanges(image: DecodedImage): Array<[number, number]> {
  const g = image.geometry;
  if (!g) return [];
  const out: Array<[number, number]> = [[0, Math.max(g.batEnd, g.dataOffset)]];
  const ext = image.extension;
  if (!ext || !extensionMagicOk(ext)) return out;
  out.push([ext.offset, ext.offset + g.clusterSize]);
  const invalid = new Set(badEntries(new CheckContext(image)).map((e) => e.at));
  for (const f of ext.features) {
    f.bitmap?.l1.forEach((e, i) => {
      if (e > 1 && !invalid.has(f.bitmap!.l1Offset + i * 8)) out.push([e * 512, e * 512 + g.clusterSize]);
    });
  }
  return out;
}

function readCluster(src: ByteSource, host: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  src.readInto(host, out);
  return out;
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/** An exception as a failure, its signature the place it came from (first engine frame) and its message shape. */
export function exceptionFailure(where: string, e: unknown): Failure {
  const err = e instanceof Error ? e : new Error(String(e));
  const frame =
    (err.stack ?? '')
      .split('\n')
      .find((l) => /shared[\\/]/.test(l))
      ?.trim()
      .replace(/^at /, '')
      .replace(/:\d+\)?$/, '') ?? '?';
  const shape = err.message.replace(/0x[0-9a-f]+|\d+/gi, 'N').slice(0, 80);
  return { kind: 'exception', signature: `exception:${where.replace(/\(.*\)/, '')}:${frame}:${shape}`, detail: `${where}: ${err.stack ?? err.message}` };
}
