/** One fuzz case: a seed image picked and mutated from the case's own PRNG seed, then every invariant checked. */
import type { Seed } from './corpus';
import { type CaseReport, type Failure, checkInvariants, exceptionFailure } from './invariants';
import { mutate } from './mutate';
import { Prng } from './prng';

export interface CaseInput {
  caseSeed: number;
  seedName: string;
  steps: string[];
  bytes: Uint8Array;
}

export interface CaseResult {
  caseSeed: number;
  seedName: string;
  steps: string[];
  size: number;
  ms: number;
  failures: Failure[];
  memory?: CaseReport['memory'];
  /** The largest image the case made (its time bound grows with it). */
  outputSize?: number;
}

/** The case seed of case `index` of a campaign: a mix of both, so neighbouring campaigns do not overlap. */
export function caseSeedOf(campaignSeed: number, index: number): number {
  let h = Math.imul(campaignSeed ^ 0x5bd1e995, 0x27d4eb2d) ^ index;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  return (h ^ (h >>> 15)) >>> 0;
}

/** Builds a case's input; mutations decode the image, so this too reports an engine exception as a failure. */
export function buildCase(corpus: readonly Seed[], caseSeed: number): CaseInput | Failure {
  const rng = new Prng(caseSeed);
  const seed = corpus[rng.int(corpus.length)];
  try {
    const { bytes, steps } = mutate(seed.bytes, rng);
    return { caseSeed, seedName: seed.name, steps, bytes };
  } catch (e) {
    return exceptionFailure('mutate (decode during mutation)', e);
  }
}

/** The random choices of the invariants (which fixes are tried, where lookups probe) for a case: a replay makes the same. */
export function invariantRng(caseSeed: number): Prng {
  return new Prng(caseSeed ^ 0x9e3779b9);
}

export function runInput(input: CaseInput, callMs?: number): CaseResult {
  const t = process.hrtime.bigint();
  const report = checkInvariants(input.bytes, invariantRng(input.caseSeed), callMs);
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  return {
    caseSeed: input.caseSeed,
    seedName: input.seedName,
    steps: input.steps,
    size: input.bytes.length,
    ms,
    failures: report.failures,
    memory: report.memory,
    outputSize: report.outputSize,
  };
}

export function runCase(corpus: readonly Seed[], caseSeed: number, callMs?: number): CaseResult {
  const t = process.hrtime.bigint();
  const built = buildCase(corpus, caseSeed);
  if (!('bytes' in built)) return { caseSeed, seedName: '?', steps: [], size: 0, ms: Number(process.hrtime.bigint() - t) / 1e6, failures: [built] };
  const result = runInput(built, callMs);
  result.ms = Number(process.hrtime.bigint() - t) / 1e6;
  return result;
}
