import type { PlanBuilder } from '../repair/planBuilder';
import type { CheckContext } from './context';
import type { Category, Finding, Severity } from './finding';

/**
 * When a repair runs, relative to others: the header first (it defines every position), then the leaked tail
 * (cut before new clusters are appended, as qemu-img does), then BAT entries, then the extension.
 */
export type RepairPhase = 'header' | 'space' | 'bat' | 'extension';
export const PHASES: readonly RepairPhase[] = ['header', 'space', 'bat', 'extension'];

export interface RuleInfo {
  code: string;
  title: string;
  severity: Severity;
  category: Category;
  /** What the format demands, why it matters and what goes wrong otherwise: the catalogue's text. */
  doc: string;
  /** One line: what the repair does, or undefined when the rule has none (and why is in `doc`). */
  fix?: string;
  phase: RepairPhase;
}

export interface Rule extends RuleInfo {
  check(ctx: CheckContext): Finding[];
  /**
   * Adds the repair of `only` (one finding of this rule, for a quick fix) or of every instance the rule sees
   * (for `check -r`) to the plan. Reads the image through `ctx`, never writes.
   */
  repair?(ctx: CheckContext, plan: PlanBuilder, only?: Finding): void;
}

/** Declares a rule; the identity, for type checking and for a uniform look of the rule modules. */
export function defineRule(rule: Rule): Rule {
  return rule;
}
