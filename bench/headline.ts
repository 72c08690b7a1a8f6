/**
 * The headline figures (issue 14's table): each row's commands measured side by side in one run, interleaved
 * (A B C, B C A, ...), with the machine's load before and after the row. hdd-lens runs twice per round: in a user's
 * environment (no NODE_EXTRA_CA_CERTS, which costs Node.js ~50 ms at every start) and, when this machine sets it,
 * in this machine's. Every peer's exit status and output are checked before a ratio is given: a peer that crashes
 * (qemu-img 7.2's assertion on a 16M-entry dense map) is reported as a crash, not as a time.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
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
  settle?: (next: Contender) => void;
  /** Commands measured in the same rounds for comparison, with no ratio or target (convert: the disk's own pace). */
  references?: Reference[];
}

/** A command run beside a row's, the file it writes, and the sentence that says what it did (`{time}`: its median). */
interface Reference {
  label: string;
  cmd: string;
  args: string[];
  output: string;
  says: string;
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
  md(
    `Each row's commands ran in turn, round after round, each round starting one command further on (${o.runs} measured rounds after a warm-up round); medians of wall time.`,
  );
  md('**The user\'s case is the "hdd-lens" column**: Node.js without NODE_EXTRA_CA_CERTS, as on a user\'s machine.');
  if (caSet)
    md(
      'This machine sets NODE_EXTRA_CA_CERTS (loading the extra certificates costs Node.js ~50 ms at every start): the column "with CA certs" is hdd-lens in this machine\'s environment.',
    );
  if (o.baseline) md(`"before" is the build in ${o.baseline}, measured in the same rounds (user's environment).`);
  md('Ratios are hdd-lens / peer (below 1: hdd-lens is faster), given only when both exited as expected and their outputs agree.');
  if (!o.quick) {
    md('convert is measured twice, each against the qemu-img runs that make the same promise. **Synced**: hdd-lens by default syncs its output before');
    md('renaming it into place, so it is on disk when hdd-lens exits; qemu-img does so with `-t writeback` (one fdatasync at close, seen with strace).');
    md('**Not synced**: `hdd-lens convert --no-sync` against qemu-img convert\'s default (its output cache mode "unsafe", which never flushes:');
    md("the data may still be in the page cache when it exits). dd writing and syncing the same 3 GiB shows the disk's pace.");
    md(
      'hdd-lens writes a sample of its output with O_DIRECT and a sample through the page cache, then the faster way, looking again every 32 MiB (writeWayProbe.ts).',
    );
    md('Every convert starts with its output removed and after a `sync` (both untimed), so that none waits for the data an earlier command left');
    md('unflushed, nor frees the blocks of its previous output.');
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
  const notes: string[] = [];
  for (const row of rows(o, q72, q10, images)) {
    log(`headline: ${row.figure}`);
    const start = loadAverage();
    const contenders: Contender[] = [{ label: 'hdd-lens', cmd: process.execPath, args: [CLI, ...row.args], env: userEnv() }];
    if (caSet) contenders.push({ label: 'hdd-lens (CA)', cmd: process.execPath, args: [CLI, ...row.args] });
    if (o.baseline) contenders.push({ label: 'before', cmd: process.execPath, args: [join(o.baseline, 'cli.js'), ...row.args], env: userEnv() });
    const firstPeer = contenders.length;
    for (const p of row.peers) contenders.push({ label: peerName(p), cmd: p.oracle.img, args: p.args, timeoutMs: p.timeoutMs });
    const firstReference = contenders.length;
    for (const r of row.references ?? []) contenders.push({ label: r.label, cmd: r.cmd, args: r.args });
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
          ? `< ${Math.max(0.01, Math.ceil((100 * ours.medianMs) / m.timeoutMs) / 100).toFixed(2)}x (timed out)`
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
    const said = (row.references ?? []).map((r, k) => {
      const m = measured[firstReference + k];
      return r.says.replace('{time}', failureOf(m, [0]) ?? formatTime(m));
    });
    if (said.length > 0) notes.push(`${row.figure}, in the same rounds: ${said.join('; ')}.`);
  }
  const server = await serverRow(o, images.dense16M);
  lines.push(server);
  md(`| ${head.join(' | ')} |`);
  md(`|${head.map(() => ' --- ').join('|')}|`);
  for (const l of lines) md(`| ${l.join(' | ')} |`);
  md();
  for (const n of notes) md(`${n}`);
  if (notes.length > 0) md();
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
  if (images.convert) list.push(...convertRows(images.convert, q72, q10));
  return list;
}

/**
 * convert, twice: synced (hdd-lens's default: OUT is on disk before it gets its name) against qemu-img's `-t
 * writeback`, which flushes at close, with dd writing the same 3 GiB as the disk's pace; and not synced (hdd-lens
 * --no-sync) against qemu-img's default cache mode for convert's output, "unsafe", which never flushes and ends
 * while its data is still in the page cache (seen with strace -f -e trace=fsync,fdatasync).
 */
function convertRows(g: GeneratedImage, q72: Oracle, q10: Oracle): Row[] {
  const dir = join(PROJECT_ROOT, 'bench', 'work', 'convert');
  const path = (name: string): string => join(dir, `${name}.raw`);
  const qemu = (oracle: Oracle, to: string, cache?: string): Peer => ({
    oracle,
    args: ['convert', ...(cache ? ['-t', cache] : []), '-f', 'parallels', '-O', 'raw', g.path, to],
    exits: [0],
    timeoutMs: 600000,
    ...(cache ? { variant: `-t ${cache}` } : {}),
  });
  const row = (figure: string, flags: string[], cache: string | undefined, references: Reference[]): Row => {
    const ours = path('hdd-lens');
    const theirs = [path(`qemu72${cache ? `-${cache}` : ''}`), path(`qemu10${cache ? `-${cache}` : ''}`)];
    const outputs = [ours, ...theirs, ...references.map((r) => r.output)];
    return {
      figure,
      args: ['convert', g.path, ours, ...flags],
      ourExits: [0],
      peers: [qemu(q72, theirs[0], cache), qemu(q10, theirs[1], cache)],
      targets: [
        { peer: 0, max: 1 },
        { peer: 1, max: 1 },
      ],
      outputCheck: () => {
        const same = (a: string, b: string): boolean => spawnSync('cmp', ['-s', a, b]).status === 0;
        const ok = existsSync(ours) && theirs.every((o) => same(ours, o));
        if (!ok) return { ok, text: existsSync(ours) ? 'DIFFERENT' : 'no output' };
        const sparse = execFileSync('du', ['-k', ours], { encoding: 'utf8' }).split('\t')[0];
        return {
          ok,
          text: `byte-identical to both qemu-img's; hdd-lens's output holds ${(Number(sparse) / 2 ** 20).toFixed(2)} GiB of its 4 GiB (sparse)`,
        };
      },
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
      // Each command starts with nothing dirty in the page cache: a command that does not flush leaves 3 GiB for
      // the disk to write while the next one runs (and is throttled by it), which made the order of the commands a
      // figure. Its output is removed first: replacing the last round's output freed 3 GiB of blocks inside the timed
      // command (0.7-1.1 s on the Xeon; for hdd-lens in its rename, for qemu-img in its truncation).
      settle: (next) => {
        // The row before removed the folder (its cleanup).
        mkdirSync(dir, { recursive: true });
        for (const o of outputs) if (next.args.includes(o) || next.args.includes(`of=${o}`)) rmSync(o, { force: true });
        spawnSync('sync');
      },
      references,
    };
  };
  // The disk's pace: the same 3 GiB of the image written and synced by dd, direct in 64 MiB writes and buffered in
  // 1 MiB writes (on the EPYC: 5.4-6.7 s and 6.4-10.9 s; 8.7-10 s direct in 1 MiB writes).
  const dd = (name: string, how: string[], what: string): Reference => ({
    label: `dd ${name}`,
    cmd: 'dd',
    args: [`if=${g.path}`, `of=${path(`dd-${name}`)}`, ...how, 'iflag=fullblock', 'status=none'],
    output: path(`dd-${name}`),
    says: `dd writes the same 3 GiB ${what} in {time}`,
  });
  return [
    row('convert -O raw, 3 GiB of data, synced', [], 'writeback', [
      dd('direct', ['bs=64M', 'count=48', 'oflag=direct', 'conv=fsync'], '(64 MiB per direct write, then fsync)'),
      dd('buffered', ['bs=1M', 'count=3072', 'conv=fdatasync'], '(1 MiB per buffered write, then fdatasync)'),
    ]),
    row('convert -O raw, 3 GiB of data, not synced (hdd-lens --no-sync)', ['--no-sync'], undefined, []),
  ];
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
