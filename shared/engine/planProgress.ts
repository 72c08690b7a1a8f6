import type { ProgressCallback } from '../io/progress';

/** The units `planRepair` reports progress in: per mille of the whole plan (a percentage with a digit to spare). */
export const PLAN_PROGRESS_TOTAL = 1000;

/**
 * Where a repair pass is, as shares of it (measured on a 16M-entry BAT: reading it ~30%, the scan's loop over the
 * entries ~15%, its cross-entry checks and the rules ~35%, the phase's repairs the rest, more with many relocations).
 */
const READ_END = 0.3;
const SCAN_END = 0.45;
const CHECK_END = 0.8;

/**
 * How far a repair plan is. A plan is a run of passes, each a check of the planned state and one phase's repairs,
 * and a last check that finds nothing left; how many is known only as it goes (each check says which phases still
 * have work). A pass is 1 / (passes expected) of the whole; inside one, the BAT's read and scan report by pieces.
 * What is reported never goes back and never exceeds the total: an estimate that grows holds the figure until the
 * work catches up. Each call is a new per-mille step, so there are at most PLAN_PROGRESS_TOTAL + 1 of them.
 */
export class PlanProgress {
  private reported = -1;
  private pass = 0;
  /** Passes expected, the last check included: one phase to repair until the first check says otherwise. */
  private expected = 2;

  constructor(private readonly report: ProgressCallback | undefined) {
    this.emit(0);
  }

  /** Whether anyone listens (the planner then reads and scans the BAT in reported pieces). */
  get wanted(): boolean {
    return this.report !== undefined;
  }

  /** The current pass's check read `done` of `total` BAT entries. */
  read(done: number, total: number): void {
    this.within(0, READ_END, done, total);
  }

  /** The current pass's check scanned `done` of `total` BAT entries. */
  scanned(done: number, total: number): void {
    this.within(READ_END, SCAN_END, done, total);
  }

  /** The current pass's check found `phases` phases still to repair (its own included). */
  checked(phases: number): void {
    this.expected = this.pass + phases + 1;
    this.emit(this.pass + CHECK_END);
  }

  /** The current pass is done; the next begins. */
  passed(): void {
    this.pass++;
    this.emit(this.pass);
  }

  /** The plan is made (or refused): the whole. */
  finish(): void {
    this.emit(this.expected);
  }

  private within(from: number, to: number, done: number, total: number): void {
    if (total > 0) this.emit(this.pass + from + ((to - from) * Math.min(done, total)) / total);
  }

  private emit(passes: number): void {
    if (!this.report) return;
    const done = Math.min(PLAN_PROGRESS_TOTAL, Math.floor((passes / Math.max(1, this.expected)) * PLAN_PROGRESS_TOTAL));
    if (done <= this.reported) return;
    this.reported = done;
    this.report(done, PLAN_PROGRESS_TOTAL);
  }
}
