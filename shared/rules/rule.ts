import type { CheckContext } from '../check/context';
import type { Finding } from '../check/finding';
import type { RuleInfo } from '../check/ruleInfo';
import type { PlanBuilder } from '../repair/planBuilder';

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
