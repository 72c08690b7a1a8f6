/**
 * The long crash campaign: `check -r all` on a 1 GiB image with 4000 duplicate 64 KiB clusters (256 MiB to copy),
 * killed with SIGKILL at random moments; after recovery the image must be the original or the fully repaired one,
 * byte for byte. The journaled write itself takes milliseconds here (page cache), so the CLI sleeps 1 ms after
 * each journal step (HDD_LENS_STEP_DELAY_MS; it writes the same bytes): the window then spans seconds and random
 * kills land inside it.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { type KillOutcome, killOnce, makeCrashImage } from '../test/crash/killRepair';
import { Prng } from '../test/fuzz/prng';
import { benchWorkDir } from './measure';

export async function crashFigures(kills: number, log: (s: string) => void): Promise<string[]> {
  const dir = benchWorkDir('crash');
  const lines: string[] = [];
  try {
    log('crash: image');
    const img = await makeCrashImage(dir, 16384, 4000, 11, 1);
    const seed = Date.now() % 1e9;
    const rng = new Prng(seed);
    const outcomes: KillOutcome[] = [];
    for (let k = 0; k < kills; k++) {
      const o = await killOnce(img, dir, rng, k);
      rmSync(join(dir, `kill-${k}.hdd`), { force: true });
      log(`crash: kill ${k + 1}/${kills} at ${o.killAtMs.toFixed(0)} ms after "${o.when}": ${o.result}`);
      outcomes.push(o);
    }
    const count = (r: KillOutcome['result']): number => outcomes.filter((o) => o.result === r).length;
    lines.push('## Crash safety: SIGKILL during `check -r all`, then recovery');
    lines.push('');
    lines.push(
      `Image: 16384 entries x 64 KiB (1 GiB of data), ${img.duplicates} duplicate clusters; the uninterrupted repair takes ${(img.totalMs / 1000).toFixed(1)} s, its journaled write ${((img.writeEndMs - img.writeStartMs) / 1000).toFixed(2)} s with 1 ms after each journal step. ${kills} kills (seed ${seed}), each followed by \`hdd-lens check\` (which recovers); ${outcomes.filter((o) => o.recoveryKilled).length} recoveries were killed too and recovered again.`,
    );
    lines.push('');
    lines.push('| Kill at | Where the kill landed | Recovery | Image afterwards |');
    lines.push('| ---: | --- | --- | --- |');
    for (const o of outcomes)
      lines.push(
        `| ${o.killAtMs.toFixed(0)} ms | ${o.when} | ${o.recovery
          .replace(/^hdd-lens: \S+: /, '')
          .replace(/ \(journal [^)]*\)/, '')
          .replace(/\|/g, '/')}${o.recoveryKilled ? ' (after a killed recovery)' : ''} | ${o.result === 'other' ? '**NEITHER (failure)**' : o.result} |`,
      );
    lines.push('');
    lines.push(`Result: ${count('original')} original, ${count('repaired')} repaired, ${count('other')} neither.`);
    lines.push('');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}
