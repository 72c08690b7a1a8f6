/**
 * The snapshot tree of a descriptor and which of its images make the current guest disk (notes §4.1, §4.2).
 * Pure: no file is read here.
 */
import { BACKUP_GUID, type Descriptor, NULL_GUID, type ShotEntry, TOP_GUID } from './descriptor';

export interface Snapshot {
  guid: string;
  shot: ShotEntry;
  /** The parent GUID, undefined for a root (`{00000000-…}`) or an unreadable ParentGUID. */
  parent?: string;
  children: string[];
  temporary: boolean;
}

/**
 * How the top (the image the guest writes to) was found: `TopGUID`; else the predefined GUID
 * `{5fbaabe3-…}`; else, as a guess the user is told about, the only leaf of the tree. Otherwise it is unresolved
 * and nothing is read as "the" disk (a snapshot can still be named explicitly).
 */
export type TopHow = 'top-guid' | 'predefined' | 'unique-leaf' | 'unresolved';

export interface TopResolution {
  how: TopHow;
  guid?: string;
  /** Why the top is unresolved. */
  reason?: string;
  leaves: string[];
}

export type ChainProblem = { kind: 'cycle'; guid: string } | { kind: 'dangling'; guid: string; parent: string } | { kind: 'no-shot'; guid: string };

export interface Chain {
  /** Top first, root last; empty when there is no top. Ends where a problem stopped the walk. */
  guids: string[];
  problem?: ChainProblem;
}

export interface SnapshotTree {
  /** By lowercase GUID; the first `<Shot>` of a duplicated GUID wins (the duplicate is a finding). */
  byGuid: Map<string, Snapshot>;
  roots: string[];
  leaves: string[];
}

export function snapshotTree(d: Descriptor): SnapshotTree {
  const byGuid = new Map<string, Snapshot>();
  for (const shot of d.shots) {
    const g = shot.guid?.value;
    if (g === undefined || byGuid.has(g)) continue;
    const p = shot.parent?.value;
    byGuid.set(g, { guid: g, shot, parent: p === undefined || p === NULL_GUID ? undefined : p, children: [], temporary: shot.temporary.length > 0 });
  }
  for (const s of byGuid.values()) if (s.parent !== undefined) byGuid.get(s.parent)?.children.push(s.guid);
  const all = [...byGuid.values()];
  return {
    byGuid,
    roots: all.filter((s) => s.shot.parent?.value === NULL_GUID).map((s) => s.guid),
    leaves: all.filter((s) => s.children.length === 0).map((s) => s.guid),
  };
}

export function resolveTop(d: Descriptor, tree: SnapshotTree): TopResolution {
  const leaves = tree.leaves;
  const named = d.topGuid;
  if (named) {
    const g = named.value;
    if (g === undefined) return { how: 'unresolved', reason: `TopGUID "${named.text}" is not a GUID`, leaves };
    const s = tree.byGuid.get(g);
    if (!s) return { how: 'unresolved', reason: `TopGUID ${g} names no <Shot>`, leaves };
    if (s.temporary) return { how: 'unresolved', reason: `TopGUID ${g} names a temporary snapshot`, leaves };
    if (g === BACKUP_GUID) return { how: 'unresolved', reason: `TopGUID ${g} is the backup snapshot's GUID, which cannot be the top`, leaves };
    return { how: 'top-guid', guid: g, leaves };
  }
  if (tree.byGuid.has(TOP_GUID)) return { how: 'predefined', guid: TOP_GUID, leaves };
  const candidates = leaves.filter((g) => !tree.byGuid.get(g)?.temporary && g !== BACKUP_GUID);
  if (candidates.length === 1 && walk(tree, candidates[0]).problem === undefined) return { how: 'unique-leaf', guid: candidates[0], leaves };
  return { how: 'unresolved', reason: `no TopGUID, no <Shot> ${TOP_GUID}, and ${candidates.length} leaves to choose from`, leaves };
}

/** The chain from `guid` down to the root, at most one step per snapshot (so a cycle ends the walk). */
export function walk(tree: SnapshotTree, guid: string): Chain {
  const guids: string[] = [];
  const seen = new Set<string>();
  let at: string | undefined = guid;
  while (at !== undefined) {
    if (seen.has(at)) return { guids, problem: { kind: 'cycle', guid: at } };
    const s = tree.byGuid.get(at);
    if (!s) {
      const child = guids[guids.length - 1];
      return { guids, problem: child === undefined ? { kind: 'no-shot', guid: at } : { kind: 'dangling', guid: child, parent: at } };
    }
    seen.add(at);
    guids.push(at);
    at = s.parent;
  }
  return { guids };
}

/** Work done by `chainProblems`: parent links followed (at most one per snapshot, plus one per walk). */
export interface ChainProblemStats {
  steps: number;
}

/**
 * Every chain problem of the tree, each once, in the order a walk from every leaf and then from every snapshot
 * finds them. One pass: each snapshot's walk is followed once and its outcome (no problem, or which one and under
 * which key) remembered, so a walk that reaches a snapshot seen before stops there; linear in the snapshots.
 */
export function chainProblems(tree: SnapshotTree, stats?: ChainProblemStats): ChainProblem[] {
  const out = new Map<string, ChainProblem>();
  const known = new Map<string, Outcome>();
  for (const g of [...tree.leaves, ...tree.byGuid.keys()]) {
    const o = outcomeOf(tree, g, known, stats);
    if (o && !out.has(o.key)) out.set(o.key, o.problem);
  }
  return [...out.values()];
}

/** What the walk from a snapshot ends in: undefined at a root, else the problem and its key (one per cycle). */
type Outcome = { problem: ChainProblem; key: string } | undefined;

/**
 * The outcome of the walk from `guid`, as `walk` finds it; every snapshot the walk passes shares it, and is
 * remembered in `known`. A walk entering a remembered snapshot takes its outcome: the first walk that reaches a
 * problem is the one that reports it, so the problem reported is the one `walk` from that start gives.
 */
function outcomeOf(tree: SnapshotTree, guid: string, known: Map<string, Outcome>, stats?: ChainProblemStats): Outcome {
  const path: string[] = [];
  const onPath = new Map<string, number>();
  let outcome: Outcome;
  for (let at: string | undefined = guid; at !== undefined;) {
    if (stats) stats.steps++;
    if (known.has(at)) {
      outcome = known.get(at);
      break;
    }
    const index = onPath.get(at);
    if (index !== undefined) {
      outcome = { problem: { kind: 'cycle', guid: at }, key: `cycle:${smallest(path.slice(index))}` };
      break;
    }
    const s = tree.byGuid.get(at);
    if (!s) {
      const child = path[path.length - 1];
      const problem: ChainProblem = child === undefined ? { kind: 'no-shot', guid: at } : { kind: 'dangling', guid: child, parent: at };
      outcome = { problem, key: `${problem.kind}:${problem.guid}` };
      break;
    }
    onPath.set(at, path.length);
    path.push(at);
    at = s.parent;
  }
  for (const g of path) known.set(g, outcome);
  return outcome;
}

/** The smallest GUID of a cycle: one key per cycle, whichever snapshot a walk entered it at. */
function smallest(guids: string[]): string {
  return guids.reduce((min, g) => (g < min ? g : min));
}
