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

export type ChainProblem =
  | { kind: 'cycle'; guid: string }
  | { kind: 'dangling'; guid: string; parent: string }
  | { kind: 'no-shot'; guid: string };

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

/** Every chain problem of the tree, each once: walks from every leaf (and from the snapshots of a cycle). */
export function chainProblems(tree: SnapshotTree): ChainProblem[] {
  const out = new Map<string, ChainProblem>();
  const starts = [...tree.leaves, ...tree.byGuid.keys()];
  for (const g of starts) {
    const p = walk(tree, g).problem;
    if (!p) continue;
    const key = p.kind === 'cycle' ? `cycle:${cycleKey(tree, p.guid)}` : `${p.kind}:${p.guid}`;
    if (!out.has(key)) out.set(key, p);
  }
  return [...out.values()];
}

/** The smallest GUID of the cycle through `guid`: one key per cycle, whichever snapshot the walk entered it at. */
function cycleKey(tree: SnapshotTree, guid: string): string {
  let min = guid;
  let steps = tree.byGuid.size;
  for (let at = tree.byGuid.get(guid)?.parent; at !== undefined && at !== guid && steps-- > 0; at = tree.byGuid.get(at)?.parent) if (at < min) min = at;
  return min;
}
