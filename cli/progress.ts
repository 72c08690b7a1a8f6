/**
 * Progress of long commands on stderr, as `qemu-img convert -p` shows it: "    (42.00/100%)" rewritten in place
 * with a carriage return, at most ten times a second, and the line cleared at the end so the report that follows
 * starts clean. On with -p/--progress, and by default when stderr is a terminal; never with --json (a script
 * reads that output) unless asked for.
 */
import type { ProgressCallback } from '../shared/io/progress';

const INTERVAL_MS = 100;

export interface ProgressLine {
  /** The engine's callback: `done` of `total` units. */
  update: ProgressCallback;
  /** Clears the line (call before printing anything else). */
  end(): void;
}

/** Whether to show progress: asked with -p/--progress, else when stderr is a terminal and the output is not JSON. */
export function wantProgress(asked: boolean, json: boolean, stream: NodeJS.WriteStream = process.stderr): boolean {
  return asked || (!json && stream.isTTY === true);
}

export function progressLine(enabled: boolean, stream: NodeJS.WriteStream = process.stderr): ProgressLine | undefined {
  if (!enabled) return undefined;
  let last = -Infinity;
  let shown = '';
  const write = (text: string): void => {
    // On a terminal the line is rewritten in place; into a file or pipe each update is a line of its own.
    stream.write(stream.isTTY ? `\r${text}` : `${text}\n`);
    shown = text;
  };
  return {
    update(done, total) {
      const now = Date.now();
      const finished = total > 0 && done >= total;
      if (!finished && now - last < INTERVAL_MS) return;
      last = now;
      const pct = total > 0 ? Math.min(100, (done * 100) / total) : 100;
      const text = `    (${pct.toFixed(2)}/100%)`;
      if (text !== shown) write(text);
    },
    end() {
      if (shown !== '' && stream.isTTY) stream.write(`\r${' '.repeat(shown.length)}\r`);
      shown = '';
    },
  };
}
