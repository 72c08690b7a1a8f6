import { hex } from '../format/le';

/** A run of relocations told as one step: consecutive entries, consecutive new clusters, the same reason. */
interface RelocationRun {
  why: string;
  firstIndex: number;
  count: number;
  firstFrom: number;
  /** 0: every entry's cluster came from the same host (shared clusters); else the source advanced by a cluster. */
  fromStep: number;
  firstTo: number;
}

/**
 * The steps of a plan, in words. Relocations of consecutive BAT entries into consecutive new clusters for the
 * same reason are told as one step ("copy the clusters of BAT entries 1-163839 ... to 163839 new clusters at A-B"): a repair of 163,840 shared clusters then says what it does in one line, not 163,840 lines of 150
 * bytes, and a single relocation reads as it always did.
 */
export class StepLog {
  private readonly texts: string[] = [];
  private run: RelocationRun | undefined;

  constructor(private readonly clusterSize: number) {}

  /** The steps so far, in order. */
  get list(): string[] {
    return this.run ? [...this.texts, relocationText(this.run, this.clusterSize)] : this.texts.slice();
  }

  get length(): number {
    return this.texts.length + (this.run ? 1 : 0);
  }

  add(text: string): void {
    this.close();
    this.texts.push(text);
  }

  relocated(index: number, from: number, to: number, why: string): void {
    const r = this.run;
    if (r && r.why === why && index === r.firstIndex + r.count && to === r.firstTo + r.count * this.clusterSize) {
      const step = r.count === 1 ? from - r.firstFrom : r.fromStep;
      if ((step === 0 || step === this.clusterSize) && from === r.firstFrom + r.count * step) {
        r.fromStep = step;
        r.count++;
        return;
      }
    }
    this.close();
    this.run = { why, firstIndex: index, count: 1, firstFrom: from, fromStep: 0, firstTo: to };
  }

  private close(): void {
    if (this.run) this.texts.push(relocationText(this.run, this.clusterSize));
    this.run = undefined;
  }
}

function relocationText(r: RelocationRun, clusterSize: number): string {
  if (r.count === 1) return `copy the cluster of BAT entry ${r.firstIndex} from host ${hex(r.firstFrom)} to a new cluster at ${hex(r.firstTo)} (${r.why})`;
  const last = r.count - 1;
  const from = r.fromStep === 0 ? `all from host ${hex(r.firstFrom)}` : `from hosts ${hex(r.firstFrom)}-${hex(r.firstFrom + last * r.fromStep)}`;
  return `copy the clusters of BAT entries ${r.firstIndex}-${r.firstIndex + last} (${from}) to ${r.count} new clusters at ${hex(r.firstTo)}-${hex(r.firstTo + last * clusterSize)}, in entry order (each: ${r.why})`;
}
