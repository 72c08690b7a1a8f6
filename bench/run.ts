/**
 * `npm run bench [-- --quick] [-- --runs N] [-- --qemu10-timeout S] [-- --baseline DIST] [-- --only headline,check,map,convert,engine,server,crash,writes,repairs]`
 *
 * The headline section (bench/headline.ts) measures the issue's figures side by side, interleaved; `--quick` runs
 * only it, with 3 rounds and without convert; `--baseline DIST` measures an earlier build's dist/ beside this one.
 *
 * Whole processes side by side in one run: hdd-lens against qemu-img 7.2 and 10.x (check, map, convert), the
 * engine in-process, the language server over stdio, crash safety and write safety; the results are written to
 * bench/results.md by this run (machine, versions, tables). Images are generated into bench/work/images (sparse:
 * a 1 TiB image costs its BAT on disk) and reused while their spec is unchanged.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Oracle, PROJECT_ROOT, qemu10, qemu72 } from '../test/oracles';
import { crashFigures } from './crash';
import { headline } from './headline';
import { engineFigures } from './engine';
import type { GeneratedImage } from './generate';
import { type BenchImage, CHECK_EXTRA, CONVERT_IMAGE, MAP_IMAGES, SCALING, ensureImage } from './images';
import { type Measurement, formatRss, formatTime, hasGnuTime, measure, ratio } from './measure';
import { hoverSummary, serverFigures } from './server';
import { writeSafety } from './writeSafety';
import { repairFigures } from './repairs';

interface Options {
  runs: number;
  qemu10TimeoutS: number;
  quick: boolean;
  only?: Set<string>;
  baseline?: string;
}

const CLI = join(PROJECT_ROOT, 'dist', 'cli.js');
const out: string[] = [];
const log = (s: string): void => {
  process.stdout.write(`${s}\n`);
};
const md = (s = ''): void => {
  out.push(s);
};

function parseOptions(argv: string[]): Options {
  const o: Options = { runs: 5, qemu10TimeoutS: 120, quick: false };
  for (let k = 0; k < argv.length; k++) {
    const v = (): string => argv[++k] ?? '';
    if (argv[k] === '--runs') o.runs = Number(v());
    else if (argv[k] === '--qemu10-timeout') o.qemu10TimeoutS = Number(v());
    else if (argv[k] === '--quick') o.quick = true;
    else if (argv[k] === '--only') o.only = new Set(v().split(','));
    else if (argv[k] === '--baseline') o.baseline = v();
    else throw new Error(`unknown option ${argv[k]}`);
  }
  return o;
}

const ours = (args: string[]): [string, string[]] => [process.execPath, [CLI, ...args]];

function table(head: string[], rows: string[][]): void {
  md(`| ${head.join(' | ')} |`);
  md(`|${head.map((_, i) => (i === 0 || rows.some((r) => !/^[\d>]/.test(r[i] ?? '')) ? ' --- ' : ' ---: ')).join('|')}|`);
  for (const r of rows) md(`| ${r.join(' | ')} |`);
  md();
}

function entriesLabel(n: number): string {
  return n >= 1 << 20 ? `${n / (1 << 20)}M` : `${n}`;
}

function machine(q72: Oracle, q10: Oracle): void {
  const cpu = cpus()[0]?.model ?? '?';
  const kernel = execFileSync('uname', ['-sr'], { encoding: 'utf8' }).trim();
  md('## Machine');
  md();
  table(
    ['', ''],
    [
      ['CPU', `${cpu}, ${cpus().length} cores (nproc)`],
      ['Memory', `${(totalmem() / 2 ** 30).toFixed(1)} GiB`],
      ['Kernel', kernel],
      ['Node', process.version],
      ['qemu-img', `${q72.version} (${q72.img}), ${q10.version} (${q10.img})`],
      [
        'Timing',
        `wall time per whole process (spawn to exit), median of the runs after one warm-up run; peak RSS and CPU from ${hasGnuTime ? 'GNU time' : 'n/a (install the "time" package)'}; warm page cache`,
      ],
    ],
  );
  const load = execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).trim();
  md(`Load average when the run started: ${load} (other work on the machine inflates wall times; CPU times are steadier).`);
  md();
}

function timeCell(m: Measurement): string {
  return formatTime(m);
}

function cpuCell(m: Measurement): string {
  return m.medianCpuMs === undefined ? 'n/a' : m.medianCpuMs < 1000 ? `${m.medianCpuMs.toFixed(0)} ms` : `${(m.medianCpuMs / 1000).toFixed(2)} s`;
}

/** check: scaling series and the other images, hdd-lens vs qemu-img 7.2 and 10. */
function checkSection(o: Options, q72: Oracle, q10: Oracle, images: Map<string, GeneratedImage>): void {
  md('## check: `hdd-lens check IMAGE` vs `qemu-img check -f parallels IMAGE`');
  md();
  md('qemu-img 7.2 checks far less (no duplicate, data_off or extension checks). qemu-img 10 checks duplicates with a');
  md(`cost far from linear in the BAT size: its runs are capped at ${o.qemu10TimeoutS} s and reported as "> N s".`);
  md();
  const scaling = o.quick ? SCALING.slice(0, 1) : SCALING;
  const rows: string[][] = [];
  const oursBy: Measurement[] = [];
  for (const img of scaling) {
    const g = images.get(img.name)!;
    const n = g.spec.entries;
    log(`check ${img.name}`);
    const a = measure(`hdd-lens ${img.name}`, ...ours(['check', g.path]), { runs: o.runs });
    const b = measure(`qemu72 ${img.name}`, q72.img, ['check', '-f', 'parallels', g.path], { runs: o.runs });
    const big = n > 1 << 20;
    const c = measure(`qemu10 ${img.name}`, q10.img, ['check', '-f', 'parallels', g.path], {
      runs: big ? 1 : Math.min(3, o.runs),
      warmup: big ? 0 : 1,
      timeoutMs: o.qemu10TimeoutS * 1000,
    });
    oursBy.push(a);
    rows.push([
      entriesLabel(n),
      `${timeCell(a)} (CPU ${cpuCell(a)}, ${formatRss(a.peakRssKb)})`,
      `${timeCell(b)} (CPU ${cpuCell(b)}, ${formatRss(b.peakRssKb)})`,
      `${timeCell(c)}${c.timedOut ? '' : ` (CPU ${cpuCell(c)}, ${formatRss(c.peakRssKb)})`}`,
      ratio(a, b),
      ratio(c, a),
    ]);
  }
  md('### Time against BAT size (dense images, 64 KiB clusters, every entry allocated)');
  md();
  table(['BAT entries', 'hdd-lens (CPU, peak RSS)', 'qemu-img 7.2', 'qemu-img 10', 'hdd-lens / 7.2', '10 / hdd-lens'], rows);
  if (oursBy.length === 3 && oursBy.every((m) => m.medianMs !== undefined)) {
    const [t1, t4, t16] = oursBy.map((m) => m.medianMs as number);
    const perEntry = (a: number, b: number, n: number): string => `${(((b - a) / n) * 1e6).toFixed(1)} ns`;
    md(`Growth of hdd-lens: 1M -> 4M adds ${perEntry(t1, t4, 3 * (1 << 20))} per entry, 4M -> 16M adds ${perEntry(t4, t16, 12 * (1 << 20))} per entry`);
    md(`(linear: the cost per added entry stays flat; whole-process time = start-up + entries x that cost).`);
    md();
  }
  const largest = images.get(scaling[scaling.length - 1].name);
  if (largest) floorOfNode(o, q72, scaling[scaling.length - 1].name, largest);
  const extra = o.quick ? [] : CHECK_EXTRA;
  if (extra.length > 0) {
    const rows2: string[][] = [];
    for (const img of extra) {
      const g = images.get(img.name)!;
      log(`check ${img.name}`);
      const a = measure(`hdd-lens ${img.name}`, ...ours(['check', g.path]), { runs: o.runs });
      const b = measure(`qemu72 ${img.name}`, q72.img, ['check', '-f', 'parallels', g.path], { runs: o.runs });
      const small = g.spec.entries <= 1 << 20;
      const c = measure(`qemu10 ${img.name}`, q10.img, ['check', '-f', 'parallels', g.path], {
        runs: 1,
        warmup: 0,
        timeoutMs: (small ? o.qemu10TimeoutS : Math.min(o.qemu10TimeoutS, 60)) * 1000,
      });
      const verdict = JSON.parse(spawnSync(process.execPath, [CLI, 'check', '--json', g.path], { encoding: 'utf8', maxBuffer: 1 << 28 }).stdout || '{}') as {
        corruptions?: number;
        leaks?: number;
      };
      rows2.push([
        img.what,
        `${timeCell(a)} (${formatRss(a.peakRssKb)}), exit ${a.exitCode}: ${verdict.corruptions ?? '?'} corruptions, ${verdict.leaks ?? '?'} leaked clusters`,
        `${timeCell(b)} (${formatRss(b.peakRssKb)}), exit ${b.exitCode}`,
        `${timeCell(c)}${c.timedOut ? '' : `, exit ${c.exitCode}`}`,
        `planted: ${g.duplicateIndices.length} duplicates, ${g.beyondEofIndices.length} past EOF, ${g.spec.leakClusters} leaked`,
      ]);
    }
    md('### Other images');
    md();
    table(['Image', 'hdd-lens', 'qemu-img 7.2', 'qemu-img 10', 'Planted'], rows2);
  }
}

/**
 * What a Node.js program pays before it checks anything: starting, and reading the BAT into fresh memory (page
 * faults and the copy, which qemu-img pays too: nearly all of its check). Measured here so that the ratio to
 * qemu-img 7.2 can be read against the part of it no Node.js checker can avoid.
 */
function floorOfNode(o: Options, q72: Oracle, name: string, g: GeneratedImage): void {
  log(`check floor ${name}`);
  const start = measure('node -e 0', process.execPath, ['-e', '0'], { runs: o.runs });
  const read = measure(`read BAT ${name}`, process.execPath, [join(PROJECT_ROOT, 'out', 'bench', 'readBat.js'), g.path], { runs: o.runs });
  const ours = measure(`hdd-lens ${name}`, process.execPath, [CLI, 'check', g.path], { runs: o.runs });
  const qemu = measure(`qemu72 ${name}`, q72.img, ['check', '-f', 'parallels', g.path], { runs: o.runs });
  md(`### What Node.js costs before checking (${entriesLabel(g.spec.entries)} entries, measured again side by side)`);
  md();
  table(
    ['Process', 'Time', 'CPU', 'Peak RSS'],
    [
      ['`node -e 0` (Node.js starts and exits)', timeCell(start), cpuCell(start), formatRss(start.peakRssKb)],
      ['`node out/bench/readBat.js` (start, read the BAT into memory, exit)', timeCell(read), cpuCell(read), formatRss(read.peakRssKb)],
      ['`hdd-lens check`', timeCell(ours), cpuCell(ours), formatRss(ours.peakRssKb)],
      ['`qemu-img check` 7.2', timeCell(qemu), cpuCell(qemu), formatRss(qemu.peakRssKb)],
    ],
  );
  if (read.medianMs !== undefined && qemu.medianMs !== undefined && ours.medianMs !== undefined) {
    md(`1.5 x qemu-img 7.2 is ${(1.5 * qemu.medianMs).toFixed(0)} ms; a Node.js process that only reads the BAT takes ${read.medianMs.toFixed(0)} ms;`);
    md(`hdd-lens's checking adds ${(ours.medianMs - read.medianMs).toFixed(0)} ms to that.`);
    md();
  }
}

function mapSection(o: Options, q72: Oracle, q10: Oracle, images: Map<string, GeneratedImage>): void {
  md('## map: `hdd-lens map --json` vs `qemu-img map -f parallels --output=json`');
  md();
  const list: BenchImage[] = o.quick ? MAP_IMAGES.slice(0, 1) : [...MAP_IMAGES, SCALING[2]];
  const rows: string[][] = [];
  for (const img of list) {
    const g = images.get(img.name)!;
    log(`map ${img.name}`);
    const a = measure(`hdd-lens map ${img.name}`, ...ours(['map', '--json', g.path]), { runs: o.runs });
    const b = measure(`qemu72 map ${img.name}`, q72.img, ['map', '-f', 'parallels', '--output=json', g.path], { runs: o.runs });
    const c = measure(`qemu10 map ${img.name}`, q10.img, ['map', '-f', 'parallels', '--output=json', g.path], {
      runs: o.runs,
      timeoutMs: o.qemu10TimeoutS * 1000,
    });
    rows.push([
      img.what,
      `${timeCell(a)} (${formatRss(a.peakRssKb)})`,
      `${timeCell(b)} (${formatRss(b.peakRssKb)})`,
      `${timeCell(c)} (${formatRss(c.peakRssKb)})`,
      ratio(a, b),
      ratio(a, c),
    ]);
  }
  table(['Image', 'hdd-lens', 'qemu-img 7.2', 'qemu-img 10', 'hdd-lens / 7.2', 'hdd-lens / 10'], rows);
  const check = list[0];
  const g = images.get(check.name)!;
  const mine = execFileSync(process.execPath, [CLI, 'map', '--json', g.path], { maxBuffer: 1 << 30 }).toString();
  const theirs = execFileSync(q10.img, ['map', '-f', 'parallels', '--output=json', g.path], { maxBuffer: 1 << 30 }).toString();
  const same = JSON.stringify(JSON.parse(mine)) === JSON.stringify(JSON.parse(theirs));
  md(`Output check on ${check.name}: hdd-lens and qemu-img 10 print ${same ? 'the same' : 'DIFFERENT'} JSON (${(JSON.parse(mine) as unknown[]).length} runs).`);
  md();
}

function convertSection(o: Options, q72: Oracle, q10: Oracle, images: Map<string, GeneratedImage>): void {
  const g = images.get(CONVERT_IMAGE.name)!;
  const dir = join(PROJECT_ROOT, 'bench', 'work', 'convert');
  mkdirSync(dir, { recursive: true });
  const outs = { ours: join(dir, 'hdd-lens.raw'), q72: join(dir, 'qemu72.raw'), q10: join(dir, 'qemu10.raw'), q72wb: join(dir, 'qemu72-wb.raw') };
  md('## convert: `hdd-lens convert IMAGE OUT.raw` vs `qemu-img convert -f parallels -O raw IMAGE OUT.raw`');
  md();
  md(`Image: ${CONVERT_IMAGE.what}; file ${(statSync(g.path).size / 2 ** 30).toFixed(2)} GiB.`);
  md();
  const runs = Math.min(3, o.runs);
  log('convert');
  try {
    const a = measure('hdd-lens convert', ...ours(['convert', g.path, outs.ours, '--overwrite']), { runs, timeoutMs: 600000 });
    const b = measure('qemu72 convert', q72.img, ['convert', '-f', 'parallels', '-O', 'raw', g.path, outs.q72], { runs, timeoutMs: 600000 });
    const c = measure('qemu10 convert', q10.img, ['convert', '-f', 'parallels', '-O', 'raw', g.path, outs.q10], { runs, timeoutMs: 600000 });
    // qemu-img's default output cache mode for convert ("unsafe") never flushes; -t writeback flushes at close, as
    // hdd-lens syncs before its rename: the like-for-like peer (bench/headline.ts runs both versions so).
    const d = measure('qemu72 convert -t writeback', q72.img, ['convert', '-t', 'writeback', '-f', 'parallels', '-O', 'raw', g.path, outs.q72wb], {
      runs,
      timeoutMs: 600000,
    });
    const same = (x: string, y: string): string => {
      try {
        execFileSync('cmp', ['-s', x, y]);
        return 'identical';
      } catch {
        return 'DIFFERENT';
      }
    };
    const gib = (statSync(g.path).size / 2 ** 30) * 0.999;
    const rate = (m: Measurement): string => (m.medianMs ? `${(gib / (m.medianMs / 1000)).toFixed(2)} GiB/s` : 'n/a');
    table(
      ['Tool', 'Time', 'Throughput (image bytes)', 'CPU', 'Peak RSS'],
      [
        ['hdd-lens', timeCell(a), rate(a), cpuCell(a), formatRss(a.peakRssKb)],
        ['qemu-img 7.2', timeCell(b), rate(b), cpuCell(b), formatRss(b.peakRssKb)],
        ['qemu-img 10', timeCell(c), rate(c), cpuCell(c), formatRss(c.peakRssKb)],
        ['qemu-img 7.2 -t writeback (flushes at close, like hdd-lens)', timeCell(d), rate(d), cpuCell(d), formatRss(d.peakRssKb)],
      ],
    );
    md(
      `hdd-lens / 7.2: ${ratio(a, b)}, hdd-lens / 10: ${ratio(a, c)}, hdd-lens / 7.2 -t writeback (like-for-like): ${ratio(a, d)}. Outputs: hdd-lens vs 7.2 ${same(outs.ours, outs.q72)}, vs 10 ${same(outs.ours, outs.q10)}, vs 7.2 -t writeback ${same(outs.ours, outs.q72wb)}.`,
    );
    md();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function engineSection(o: Options, images: Map<string, GeneratedImage>): void {
  md('## Engine in-process (no process start-up, no output)');
  md();
  const rows: string[][] = [];
  for (const img of o.quick ? SCALING.slice(0, 1) : [...SCALING, ...CHECK_EXTRA]) {
    const g = images.get(img.name)!;
    log(`engine ${img.name}`);
    const f = engineFigures(g.path, o.runs);
    rows.push([
      img.name,
      entriesLabel(f.entries),
      `${f.decodeMs.toFixed(0)} ms`,
      `${f.scanMs.toFixed(0)} ms`,
      `${f.checkMs.toFixed(0)} ms`,
      `${(f.entries / f.checkMs / 1000).toFixed(1)} M/s`,
    ]);
  }
  table(['Image', 'Entries', 'decode (read BAT)', 'BAT pass', 'decode + all rules', 'Validation throughput'], rows);
}

async function serverSection(o: Options, images: Map<string, GeneratedImage>): Promise<void> {
  md('## Language server (dist/server.js over stdio, a real LSP client connection)');
  md();
  const rows: string[][] = [];
  for (const img of o.quick ? SCALING.slice(0, 1) : SCALING) {
    const g = images.get(img.name)!;
    log(`server ${img.name}`);
    const f = await serverFigures(g.path, g.spec.entries, g.dataOffset);
    rows.push([
      entriesLabel(f.entries),
      `${f.firstDiagnosticsMs.toFixed(0)} ms`,
      hoverSummary(f.hoversDuring),
      hoverSummary(f.hoversAfter),
      formatRss(f.peakRssKb),
    ]);
  }
  table(['BAT entries', 'didOpen -> first diagnostics', 'hover while validating', 'hover after', 'server peak RSS'], rows);
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const want = (s: string): boolean => !o.only || o.only.has(s);
  const q72 = qemu72();
  const q10 = qemu10();
  const started = new Date();
  md('# Benchmarks');
  md();
  md(
    `Written by \`npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\` on ${started.toISOString()}. Images are generated by bench/generate.ts:`,
  );
  md('sparse files holding a header, a BAT (and an extension), extended with ftruncate (holes read as zeros).');
  md();
  machine(q72, q10);
  // --quick: the headline figures only, in 3 rounds, without the 3 GiB convert.
  if (o.quick) {
    o.only = new Set(['headline']);
    o.runs = Math.min(o.runs, 3);
  }
  const needed: BenchImage[] = [...SCALING, ...CHECK_EXTRA, ...MAP_IMAGES];
  if (want('convert') || (want('headline') && !o.quick)) needed.push(CONVERT_IMAGE);
  const images = new Map<string, GeneratedImage>();
  log('images');
  for (const img of needed) images.set(img.name, ensureImage(PROJECT_ROOT, img, log));
  const image = (b: BenchImage): GeneratedImage => images.get(b.name) as GeneratedImage;
  if (want('headline')) {
    const headlineImages = {
      dense16M: image(SCALING[2]),
      scattered16M: image(CHECK_EXTRA[1]),
      scattered4M: image(MAP_IMAGES[1]),
      convert: o.quick ? undefined : image(CONVERT_IMAGE),
    };
    await headline(o, q72, q10, headlineImages, md, log);
  }
  if (want('check')) checkSection(o, q72, q10, images);
  if (want('map')) mapSection(o, q72, q10, images);
  if (want('convert')) convertSection(o, q72, q10, images);
  if (want('engine')) engineSection(o, images);
  if (want('server')) await serverSection(o, images);
  if (want('crash')) for (const l of await crashFigures(o.quick ? 3 : 12, log)) md(l);
  if (want('writes')) for (const l of await writeSafety(log, o.quick ? 10 : 50)) md(l);
  if (want('repairs')) for (const l of repairFigures(log)) md(l);
  md(`Total bench time: ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s.`);
  const file = join(PROJECT_ROOT, 'bench', 'results.md');
  writeFileSync(file, `${out.join('\n')}\n`);
  log(`wrote ${file}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
