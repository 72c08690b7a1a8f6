/**
 * The headline figures (issue 14's table): each row's commands measured side by side in one run, interleaved
 * (A B C A B C), with the machine's load before and after the row. hdd-lens runs twice per round: in a user's
 * environment (no NODE_EXTRA_CA_CERTS, which costs Node.js ~50 ms at every start) and, when this machine sets it,
 * in this machine's. Every peer's exit status and output are checked before a ratio is given: a peer that crashes
 * (qemu-img 7.2's assertion on a 16M-entry dense map) is reported as a crash, not as a time.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Oracle, PROJECT_ROOT } from '../test/oracles';
import type { GeneratedImage } from './generate';
import { type Contender, type Measurement, failureOf, formatTime, loadAverage, measureInterleaved, median, ratio } from './measure';
import { serverFigures } from './server';

export interface HeadlineOptions {
  runs: number;
  quick: boolean;
  /** A dist/ folder of an earlier build, measured beside this one ("before"). */
  baseline?: string;
}

/** The images a row runs on, by role. */
export interface HeadlineImages {
  dense16M: GeneratedImage;
  scattered16M: GeneratedImage;
  scattered4M: GeneratedImage;
  convert?: GeneratedImage;
}

interface Row {
  figure: string;
  /** hdd-lens's arguments (after `node dist/cli.js`). */
  args: string[];
  ourExits: number[];
  peers: Peer[];
  /** The target, as the issue states it, and the peer it is against (an index into peers). */
  targets: Array<{ peer: number; max: number }>;
  /** Checks the outputs once the times are taken: a sentence, and whether the ratios may be given. */
  outputCheck?: () => { ok: boolean; text: string };
  cleanup?: () => void;
  /** Runs before each command of the row, untimed. */
  settle?: () => void;
}

/** A peer command: a qemu-img, and what sets this run of it apart from its default (e.g. "-t writeback"). */
interface Peer {
  oracle: Oracle;
  args: string[];
  exits: number[];
  timeoutMs?: number;
  variant?: string;
}

const CLI = join(PROJECT_ROOT, 'dist', 'cli.js');

const peerName = (p: Peer): string => `${p.oracle.version}${p.variant ? ` ${p.variant}` : ''}`;

export function userEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

export async function headline(
  o: HeadlineOptions,
  q72: Oracle,
  q10: Oracle,
  images: HeadlineImages,
  md: (s?: string) => void,
  log: (s: string) => void,
): Promise<void> {
  const caSet = process.env.NODE_EXTRA_CA_CERTS !== undefined && process.env.NODE_EXTRA_CA_CERTS !== '';
  md('## Headline: hdd-lens against qemu-img, side by side');
  md();
  md(`Each row's commands ran in turn, round after round (${o.runs} measured rounds after a warm-up round); medians of wall time.`);
  md('**The user\'s case is the "hdd-lens" column**: Node.js without NODE_EXTRA_CA_CERTS, as on a user\'s machine.');
  if (caSet)
    md(
      'This machine sets NODE_EXTRA_CA_CERTS (loading the extra certificates costs Node.js ~50 ms at every start): the column "with CA certs" is hdd-lens in this machine\'s environment.',
    );
  if (o.baseline) md(`"before" is the build in ${o.baseline}, measured in the same rounds (user's environment).`);
  md('Ratios are hdd-lens / peer (below 1: hdd-lens is faster), given only when both exited as expected and their outputs agree.');
  if (!o.quick) {
    md('convert: hdd-lens syncs its output before renaming it into place, so it is on disk when hdd-lens exits; qemu-img convert never flushes by default');
    md(
      '(its output cache mode "unsafe" is the default for convert: the data may still be in the page cache when it exits). With `-t writeback` qemu-img flushes',
    );
    md('its output at close (one fdatasync, seen with strace): **that peer is the like-for-like one**; the default peer is shown beside it.');
    md('hdd-lens writes its output with O_DIRECT where the file system allows it (rawWriter.ts), so it leaves no gigabytes in the page cache to flush.');
    md('Every convert starts after a `sync` (untimed), so that none waits for the data an earlier command left unflushed.');
  }
  md();
  const head = [
    'Figure',
    'hdd-lens',
    ...(caSet ? ['with CA certs'] : []),
    ...(o.baseline ? ['before'] : []),
    'qemu-img 7.2',
    'qemu-img 10',
    "Ratios (user's case)",
    'Target',
    'Load avg (start / end)',
    'Outputs',
  ];
  const lines: string[][] = [];
  for (const row of rows(o, q72, q10, images)) {
    log(`headline: ${row.figure}`);
    const start = loadAverage();
    const contenders: Contender[] = [{ label: 'hdd-lens', cmd: process.execPath, args: [CLI, ...row.args], env: userEnv() }];
    if (caSet) contenders.push({ label: 'hdd-lens (CA)', cmd: process.execPath, args: [CLI, ...row.args] });
    if (o.baseline) contenders.push({ label: 'before', cmd: process.execPath, args: [join(o.baseline, 'cli.js'), ...row.args], env: userEnv() });
    const firstPeer = contenders.length;
    for (const p of row.peers) contenders.push({ label: peerName(p), cmd: p.oracle.img, args: p.args, timeoutMs: p.timeoutMs });
    let measured: Measurement[];
    let output: { ok: boolean; text: string };
    try {
      measured = measureInterleaved(contenders, { runs: o.runs, settle: row.settle });
      output = row.outputCheck?.() ?? { ok: true, text: 'exit statuses only' };
    } finally {
      row.cleanup?.();
    }
    const ours = measured[0];
    const oursFailed = failureOf(ours, row.ourExits);
    const cell = (m: Measurement, exits: number[]): string => failureOf(m, exits) ?? formatTime(m);
    // A qemu-img run more than one way (convert: its default, and durable) shows each run in its cell.
    const peerCells = [q72, q10].map((q) => {
      const runs = row.peers.flatMap((p, k) => (p.oracle === q ? [`${cell(measured[firstPeer + k], p.exits)}${p.variant ? ` (${p.variant})` : ''}`] : []));
      return runs.length === 0 ? 'not run' : runs.join('; ');
    });
    const ratios = row.peers.map((p, k) => {
      const m = measured[firstPeer + k];
      const why = oursFailed ?? failureOf(m, p.exits) ?? (output.ok ? undefined : 'outputs differ');
      const shown = why
        ? `n/a (${why.startsWith('crashed') ? `${p.oracle.version} ${why.split(':')[0]}` : why})`
        : m.timedOut && ours.medianMs !== undefined
          ? `< ${(ours.medianMs / m.timeoutMs).toFixed(2)}x (timed out)`
          : ratio(ours, m);
      return `${shown} vs ${peerName(p)}`;
    });
    const targets = row.targets.map((t) => {
      const peer = measured[firstPeer + t.peer];
      const ok = !oursFailed && !failureOf(peer, row.peers[t.peer].exits) && output.ok && ours.medianMs !== undefined && peer.medianMs !== undefined;
      const met = ok && (ours.medianMs as number) <= t.max * (peer.medianMs as number);
      return `<= ${t.max}x ${peerName(row.peers[t.peer])}: ${ok ? (met ? 'met' : 'not met') : 'n/a'}`;
    });
    lines.push([
      row.figure,
      cell(ours, row.ourExits),
      ...(caSet ? [cell(measured[1], row.ourExits)] : []),
      ...(o.baseline ? [cell(measured[caSet ? 2 : 1], row.ourExits)] : []),
      ...peerCells,
      ratios.join('; '),
      targets.join('; ') || '-',
      `${start} / ${loadAverage()}`,
      output.text,
    ]);
    log(`  ${lines[lines.length - 1].join(' | ')}`);
  }
  const server = await serverRow(o, images.dense16M);
  lines.push(server);
  md(`| ${head.join(' | ')} |`);
  md(`|${head.map(() => ' --- ').join('|')}|`);
  for (const l of lines) md(`| ${l.join(' | ')} |`);
  md();
}

function rows(o: HeadlineOptions, q72: Oracle, q10: Oracle, images: HeadlineImages): Row[] {
  const { dense16M, scattered16M, scattered4M } = images;
  const check = (g: GeneratedImage): string[] => ['check', '-f', 'parallels', g.path];
  const mapJson = (g: GeneratedImage): string[] => ['map', '-f', 'parallels', '--output=json', g.path];
  const list: Row[] = [
    {
      figure: 'check, 16M entries x 64 KiB, dense',
      args: ['check', dense16M.path],
      ourExits: [0],
      peers: [{ oracle: q72, args: check(dense16M), exits: [0] }],
      targets: [{ peer: 0, max: 1 }],
    },
    {
      figure: `check, 16M scattered (25%), ${scattered16M.duplicateIndices.length} duplicates`,
      args: ['check', scattered16M.path],
      ourExits: [2],
      // qemu-img 7.2 checks no duplicates: it sees the leaks only (exit 3).
      peers: [
        { oracle: q72, args: check(scattered16M), exits: [3] },
        { oracle: q10, args: check(scattered16M), exits: [2], timeoutMs: 120000 },
      ],
      targets: [
        { peer: 1, max: 1 },
        { peer: 0, max: 1.5 },
      ],
      outputCheck: () => duplicatesFound(scattered16M),
    },
    {
      figure: 'map --json, 4M scattered',
      args: ['map', '--json', scattered4M.path],
      ourExits: [0],
      peers: [
        { oracle: q72, args: mapJson(scattered4M), exits: [0] },
        { oracle: q10, args: mapJson(scattered4M), exits: [0] },
      ],
      targets: [
        { peer: 0, max: 0.5 },
        { peer: 1, max: 0.5 },
      ],
      outputCheck: () => sameOutputs(['map', '--json', scattered4M.path], [q10, mapJson(scattered4M)], [q72, mapJson(scattered4M)]),
    },
    {
      figure: 'map (text), 4M scattered',
      args: ['map', scattered4M.path],
      ourExits: [0],
      peers: [{ oracle: q72, args: ['map', '-f', 'parallels', scattered4M.path], exits: [0] }],
      targets: [{ peer: 0, max: 0.5 }],
      outputCheck: () => sameOutputs(['map', scattered4M.path], [q72, ['map', '-f', 'parallels', scattered4M.path]]),
    },
    {
      figure: 'map --json, 16M dense',
      args: ['map', '--json', dense16M.path],
      ourExits: [0],
      peers: [
        { oracle: q72, args: mapJson(dense16M), exits: [0] },
        { oracle: q10, args: mapJson(dense16M), exits: [0], timeoutMs: (o.quick ? 10 : 60) * 1000 },
      ],
      targets: [],
    },
  ];
  if (images.convert) list.push(convertRow(images.convert, q72, q10));
  return list;
}

/** convert (OUT synced before it gets its name) against qemu-img's default and its durable `-t writeback`. */
function convertRow(g: GeneratedImage, q72: Oracle, q10: Oracle): Row {
  const dir = join(PROJECT_ROOT, 'bench', 'work', 'convert');
  mkdirSync(dir, { recursive: true });
  const out = {
    ours: join(dir, 'hdd-lens.raw'),
    q72: join(dir, 'qemu72.raw'),
    q10: join(dir, 'qemu10.raw'),
    q72wb: join(dir, 'qemu72-wb.raw'),
    q10wb: join(dir, 'qemu10-wb.raw'),
  };
  // qemu-img convert's default cache mode for its output is "unsafe": it never flushes, and its figure ends while
  // the data is still in the page cache. "-t writeback" flushes at close (one fdatasync of the output, seen with
  // strace -f -e trace=fsync,fdatasync), as hdd-lens, which syncs its output before renaming it into place: that
  // peer is the like-for-like one. Both are run.
  const convert = (to: string, cache?: string): string[] => ['convert', ...(cache ? ['-t', cache] : []), '-f', 'parallels', '-O', 'raw', g.path, to];
  const peer = (oracle: Oracle, to: string, cache?: string): Peer => ({
    oracle,
    args: convert(to, cache),
    exits: [0],
    timeoutMs: 600000,
    ...(cache ? { variant: `-t ${cache}` } : {}),
  });
  return {
    figure: 'convert -O raw, 3 GiB of data',
    args: ['convert', g.path, out.ours, '--overwrite'],
    ourExits: [0],
    peers: [peer(q72, out.q72), peer(q10, out.q10), peer(q72, out.q72wb, 'writeback'), peer(q10, out.q10wb, 'writeback')],
    targets: [
      { peer: 0, max: 1 },
      { peer: 1, max: 1 },
      { peer: 2, max: 1 },
      { peer: 3, max: 1 },
    ],
    outputCheck: () => {
      const same = (a: string, b: string): boolean => spawnSync('cmp', ['-s', a, b]).status === 0;
      const theirs = [out.q72, out.q10, out.q72wb, out.q10wb];
      const ok = theirs.every((o) => same(out.ours, o));
      const sparse = execFileSync('du', ['-k', out.ours], { encoding: 'utf8' }).split('\t')[0];
      return {
        ok,
        text: `${ok ? `byte-identical to all ${theirs.length}` : 'DIFFERENT'}; hdd-lens's output holds ${(Number(sparse) / 2 ** 20).toFixed(2)} GiB of its ${(4).toFixed(0)} GiB (sparse)`,
      };
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
    // Each convert starts with nothing dirty in the page cache: a peer that does not flush leaves 3 GiB for the disk
    // to write while the next command runs (and is throttled by it), which made the order of the commands a figure.
    settle: () => void spawnSync('sync'),
  };
}

/** hdd-lens found every planted duplicate (the JSON report's corruptions). */
function duplicatesFound(g: GeneratedImage): { ok: boolean; text: string } {
  const r = spawnSync(process.execPath, [CLI, 'check', '--json', g.path], { encoding: 'utf8', maxBuffer: 1 << 28, env: userEnv() });
  const report = JSON.parse(r.stdout || '{}') as { corruptions?: number; leaks?: number };
  const ok = report.corruptions === g.duplicateIndices.length;
  return { ok, text: `hdd-lens: ${report.corruptions ?? '?'} corruptions (${g.duplicateIndices.length} planted), ${report.leaks ?? '?'} leaked clusters` };
}

/**
 * Whether hdd-lens prints exactly what the first peer prints (byte for byte) and, for further peers, the same
 * modulo the fields older versions leave out (qemu-img 7.2 prints no "compressed").
 */
function sameOutputs(ours: string[], exact: [Oracle, string[]], ...loose: Array<[Oracle, string[]]>): { ok: boolean; text: string } {
  const run = (cmd: string, args: string[], env?: NodeJS.ProcessEnv): Buffer => spawnSync(cmd, args, { maxBuffer: 2 ** 31, env: env ?? process.env }).stdout;
  const mine = run(process.execPath, [CLI, ...ours], userEnv());
  const digest = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
  const texts: string[] = [];
  let ok = digest(mine) === digest(run(exact[0].img, exact[1]));
  texts.push(`${ok ? 'identical to' : 'DIFFERENT from'} ${exact[0].version}'s`);
  for (const [q, args] of loose) {
    const same = digest(mine.toString('latin1').replace(/, "compressed": false/g, '')) === digest(run(q.img, args).toString('latin1'));
    ok &&= same;
    texts.push(`${same ? 'same as' : 'DIFFERENT from'} ${q.version}'s without "compressed"`);
  }
  return { ok, text: `${texts.join(', ')} (${(mine.length / 2 ** 20).toFixed(0)} MiB)` };
}

/** The language server's first diagnostics on the 16M-entry image, interleaved with the baseline's server. */
async function serverRow(o: HeadlineOptions, image: GeneratedImage): Promise<string[]> {
  // The convert row before leaves qemu-img's unflushed gigabytes for the disk to write: the server's reads then wait
  // behind them (402 ms against 169 ms measured alone, in one run). Untimed, as before each convert.
  spawnSync('sync');
  const start = loadAverage();
  const ours: number[] = [];
  const before: number[] = [];
  for (let k = 0; k < o.runs; k++) {
    ours.push((await serverFigures(image.path, image.spec.entries, image.dataOffset)).firstDiagnosticsMs);
    if (o.baseline) before.push((await serverFigures(image.path, image.spec.entries, image.dataOffset, join(o.baseline, 'server.js'))).firstDiagnosticsMs);
  }
  const ms = (v: number[]): string => `${median(v).toFixed(0)} ms`;
  const caSet = process.env.NODE_EXTRA_CA_CERTS !== undefined && process.env.NODE_EXTRA_CA_CERTS !== '';
  return [
    'language server: didOpen -> first diagnostics, 16M dense',
    ms(ours),
    ...(caSet ? ['(same: measured from didOpen, after start-up)'] : []),
    ...(o.baseline ? [ms(before)] : []),
    'no peer',
    'no peer',
    '-',
    `< 300 ms: ${median(ours) < 300 ? 'met' : 'not met'}`,
    `${start} / ${loadAverage()}`,
    '-',
  ];
}
