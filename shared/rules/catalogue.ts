/**
 * The whole catalogue: the image rules (./imageRules.ts) and the bundle rules, for what lists or documents every
 * rule (`hdd-lens rules`, the bundle checks, the editor's hovers).
 */
import type { BundleRuleInfo } from '../bundle/rule';
import { BUNDLE_RULES } from './bundle';
import { RULES, ruleByCode } from './imageRules';

export { BUNDLE_RULES, RULES, ruleByCode };

/** Every rule the checker applies, the image rules then the bundle rules: what `hdd-lens rules` lists. */
export const CATALOGUE: readonly BundleRuleInfo[] = [...RULES, ...BUNDLE_RULES];

const entryByCode = new Map(CATALOGUE.map((r) => [r.code, r]));

/** A rule of either kind by its code (for its documentation). */
export function catalogueEntry(code: string): BundleRuleInfo | undefined {
  return entryByCode.get(code);
}
