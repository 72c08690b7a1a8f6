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
