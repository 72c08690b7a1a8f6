import type { Category, Severity } from './finding';

/**
 * When a repair runs, relative to others: the header first (it defines every position), then the leaked tail
 * (cut before new clusters are appended, as qemu-img does), then BAT entries, then the extension.
 */
export type RepairPhase = 'header' | 'space' | 'bat' | 'extension';
export const PHASES: readonly RepairPhase[] = ['header', 'space', 'bat', 'extension'];

/** A rule's catalogue entry: what a finding of it carries (code, severity, category, repair text), without its code. */
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
