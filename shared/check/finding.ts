/** What the checker reports: findings of rules, with stable codes that users script against. */

export type Severity = 'error' | 'warning' | 'info';

/**
 * How a finding counts, as `qemu-img check` counts: corruptions (exit 2), leaks (exit 3 when alone); warnings
 * and info never change the exit code.
 */
export type Category = 'corruption' | 'leak' | 'warning' | 'info';

export interface Finding {
  /** The rule's stable kebab-case code. */
  code: string;
  severity: Severity;
  category: Category;
  /** Names what is wrong and where, in the file's own numbers. */
  message: string;
  /** Byte range of the file the finding is about. */
  offset: number;
  length: number;
  /** The BAT entry concerned, when one is. */
  batIndex?: number;
  /** What `check -r` would do about it; absent when the rule has no repair. */
  repair?: string;
  /** Which repair mode applies it: `leaks` repairs only leaks, `all` repairs everything. */
  repairMode?: 'leaks' | 'all';
  /** How many instances this finding stands for (when a rule folds a flood of them into one summary). */
  count?: number;
}

/** A finding as reports and the protocol carry it: the public fields (`repairMode` is the planner's business). */
export type FindingReport = Omit<Finding, 'repairMode'>;

export function findingReport(f: Finding): FindingReport {
  const r: FindingReport = { code: f.code, severity: f.severity, category: f.category, message: f.message, offset: f.offset, length: f.length };
  if (f.batIndex !== undefined) r.batIndex = f.batIndex;
  if (f.repair !== undefined) r.repair = f.repair;
  if (f.count !== undefined) r.count = f.count;
  return r;
}
