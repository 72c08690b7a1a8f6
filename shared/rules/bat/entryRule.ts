import type { EntryFlag } from '../../check/batScan';
import { type EntryProblem, entriesWith } from '../../check/entryProblems';
import type { CheckContext } from '../../check/context';
import type { Finding } from '../../check/finding';
import type { RuleInfo } from '../../check/ruleInfo';
import { batEntryOffset } from '../../format/constants';
import type { PlanBuilder } from '../../repair/planBuilder';
import { entryWhere, plural } from '../../format/words';

/**
 * Findings on the 4 bytes of each flagged entry, folded into a summary past the context's limit. `repairOf`: the
 * repair of one entry, when the rule's repair depends on the entry (the summary keeps the rule's whole text).
 */
export function entryFindings(
  ctx: CheckContext,
  rule: RuleInfo,
  flag: EntryFlag,
  problem: (p: EntryProblem) => string,
  repairOf?: (p: EntryProblem) => string,
): Finding[] {
  const g = ctx.geometry;
  if (!g) return [];
  const repair = (p: EntryProblem): Partial<Finding> => (repairOf ? { repair: repairOf(p), repairMode: rule.category === 'leak' ? 'leaks' : 'all' } : {});
  return ctx.capped(
    rule,
    entriesWith(ctx, flag),
    (p) => ctx.finding(rule, `${entryWhere(g, p.index, p.value)} ${problem(p)}`, batEntryOffset(p.index), 4, { batIndex: p.index, ...repair(p) }),
    (rest, first) =>
      ctx.finding(rule, `${plural(rest, 'more BAT entry')} from entry ${first.index} on have the same problem`, batEntryOffset(first.index), 4, {
        batIndex: first.index,
      }),
  );
}

/**
 * Repairs each flagged entry (or only the one of `only`), once per pass: an entry another rule already repaired
 * in this pass is left for the next pass.
 */
export function repairEntries(ctx: CheckContext, plan: PlanBuilder, flag: EntryFlag, only: Finding | undefined, fix: (p: EntryProblem) => void): void {
  for (const p of entriesWith(ctx, flag)) {
    if (only && !coversEntry(only, p.index)) continue;
    if (!plan.claim(`bat:${p.index}`)) continue;
    fix(p);
  }
}

/** A finding covers its own entry, and a summary finding every entry from its first on. */
function coversEntry(f: Finding, index: number): boolean {
  return f.batIndex === index || (f.count !== undefined && f.batIndex !== undefined && index >= f.batIndex);
}

/** Copies an entry's cluster to a fresh one and points the entry at it, saying so (`why`: what is wrong with it now). */
export function relocate(plan: PlanBuilder, p: EntryProblem, why: string): void {
  plan.relocate(p.index, p.host, why, p.flags);
}
