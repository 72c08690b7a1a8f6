/**
 * `npm run fuzz -- [--cases N] [--seed S] [--workers W] [--slow-ms MS] [--hang-ms MS] [--no-fixtures]
 *                  [--minimize] [--out DIR]`   a campaign; failures are saved (minimized if asked) to DIR
 * `npm run fuzz -- --replay CASESEED [--out DIR]`   one case, in this process, with every failure's details
 * `npm run fuzz -- --check FILE.json|IMAGE`          the invariants on a saved regression or an image file
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../oracles';
import { runCampaign } from './campaign';
import { type Seed, fixtureSeeds, generatedSeeds, sampleSeeds } from './corpus';
import { buildCase, invariantRng } from './fuzzCase';
import { checkInvariants } from './invariants';
import { REPLAY_RNG_SEED, minimize } from './minimize';
import { Prng } from './prng';
import { type Regression, decodeBytes, encodeBytes, saveRegression, slug } from './regressions';

interface Args {
  cases: number;
  seed: number;
  workers: number;
  slowMs: number;
  hangMs: number;
  fixtures: boolean;
  minimize: boolean;
  out: string;
  replay?: number;
  check?: string;
}

/**
 * No result after this long is a hang. Slowness is bounded per engine call (scaled by the image's size, see
 * timeBudget); a case as a whole may repair a 600-byte file into a legitimate 2 GiB image (a header claiming 536M
 * BAT entries) whose re-checks take a minute on a loaded machine, which is not a hang.
 */
const HANG_MS = 300000;

function parseArgs(argv: string[]): Args {
  const a: Args = {
    cases: 10000,
    seed: Date.now() % 1e9,
    workers: 2,
    slowMs: 2000,
    hangMs: HANG_MS,
    fixtures: true,
    minimize: false,
    out: join(PROJECT_ROOT, 'bench', 'work', 'fuzz'),
  };
  for (let k = 0; k < argv.length; k++) {
    const v = (): string => argv[++k] ?? '';
    const flag = argv[k];
    if (flag === '--cases') a.cases = Number(v());
    else if (flag === '--seed') a.seed = Number(v());
    else if (flag === '--workers') a.workers = Number(v());
    else if (flag === '--slow-ms') a.slowMs = Number(v());
    else if (flag === '--hang-ms') a.hangMs = Number(v());
    else if (flag === '--no-fixtures') a.fixtures = false;
    else if (flag === '--minimize') a.minimize = true;
    else if (flag === '--out') a.out = v();
    else if (flag === '--replay') a.replay = Number(v());
    else if (flag === '--check') a.check = v();
    else throw new Error(`unknown option ${flag}`);
  }
  return a;
}

export async function corpus(withFixtures: boolean): Promise<Seed[]> {
  const seeds = [...sampleSeeds(), ...generatedSeeds()];
  if (withFixtures) seeds.push(...(await fixtureSeeds()));
  return seeds;
}

function report(bytes: Uint8Array, rng = new Prng(REPLAY_RNG_SEED)): number {
  const t = Date.now();
  const r = checkInvariants(bytes, rng);
  console.log(`${bytes.length} bytes, ${r.findings} findings (${r.codes.join(', ')}), ${Date.now() - t} ms, memory ${r.memory.used}/${r.memory.allowed}`);
  for (const f of r.failures) console.log(`FAIL ${f.signature}\n  ${f.detail.replace(/\n/g, '\n  ')}`);
  return r.failures.length;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  mkdirSync(args.out, { recursive: true });
  if (args.check !== undefined) {
    const raw = readFileSync(args.check);
    const bytes = args.check.endsWith('.json') ? decodeBytes(JSON.parse(raw.toString('utf8')) as Regression) : new Uint8Array(raw);
    process.exitCode = report(bytes) > 0 ? 1 : 0;
    return;
  }
  const seeds = await corpus(args.fixtures);
  if (args.replay !== undefined) {
    const built = buildCase(seeds, args.replay);
    if (!('bytes' in built)) throw new Error(built.detail);
    console.log(`case ${args.replay}: ${built.seedName} ${built.steps.join(' ')}`);
    const file = join(args.out, `case-${args.replay}.img`);
    writeFileSync(file, built.bytes);
    console.log(`input written to ${file}`);
    process.exitCode = report(built.bytes, invariantRng(args.replay)) > 0 ? 1 : 0;
    return;
  }
  console.log(`fuzz: ${args.cases} cases, seed ${args.seed}, ${args.workers} workers, corpus of ${seeds.length} images`);
  const result = await runCampaign(seeds, {
    ...args,
    onProgress: (done, distinct) => {
      if (done % 1000 === 0) console.log(`  ${done} cases, ${distinct} distinct failures`);
    },
    onNewFailure: (g) => console.log(`  NEW ${g.signature} (case ${g.example.caseSeed}: ${g.example.seedName} ${g.example.steps.join(' ')})`),
  });
  console.log(
    `${result.cases} cases in ${(result.ms / 1000).toFixed(1)} s (${((result.cases / result.ms) * 1000).toFixed(0)}/s); slowest: ${result.slowest.map((r) => `${r.ms.toFixed(0)} ms`).join(', ')}`,
  );
  for (const g of result.groups) {
    console.log(
      `\n${g.count} x ${g.signature}\n  case ${g.example.caseSeed}: ${g.example.seedName} ${g.example.steps.join(' ')}\n  ${g.failure.detail.split('\n').slice(0, 6).join('\n  ')}`,
    );
    if (!g.bytes) continue;
    const bytes = args.minimize && g.failure.kind !== 'slow' ? minimize(g.bytes, g.signature) : g.bytes;
    const saved = saveRegression(args.out, slug(g.signature), {
      signature: g.signature,
      note: 'found by the fuzzer; not yet fixed',
      found: { caseSeed: g.example.caseSeed, seedName: g.example.seedName, steps: g.example.steps },
      size: bytes.length,
      gzipBase64: encodeBytes(bytes),
    });
    console.log(`  saved ${saved} (${bytes.length} bytes)`);
  }
  console.log(`\n${result.groups.length === 0 ? 'no failures' : `${result.groups.length} distinct failures`} in ${result.cases} cases (seed ${args.seed})`);
  process.exitCode = result.groups.length === 0 ? 0 : 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 2;
});
