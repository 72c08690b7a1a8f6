import { writeSync } from 'node:fs';

/**
 * Where the CLI writes: reports to stdout, errors and progress ("Repairing ...") to stderr. Output is buffered
 * into large writes (a map of millions of runs is millions of lines) written to the file descriptor at once, in
 * order: process.stdout may queue writes to a pipe in memory (a 16M-entry map queued hundreds of MiB and failed
 * with ENOBUFS), and nothing queued may be lost when the process exits.
 */
export class Output {
  private parts: string[] = [];
  private size = 0;

  constructor(private readonly fd: number) {}

  /** Appends one line (a newline is added). */
  line(text = ''): void {
    this.parts.push(text, '\n');
    this.size += text.length + 1;
    if (this.size >= 1 << 20) this.flush();
  }

  /** Appends text as is. */
  text(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= 1 << 20) this.flush();
  }

  /** Writes bytes, after the text before them. */
  bytes(data: Uint8Array): void {
    this.flush();
    writeFully(this.fd, data);
  }

  flush(): void {
    if (this.parts.length === 0) return;
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    writeFully(this.fd, Buffer.from(text, 'utf8'));
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes all of `data`: a descriptor a parent left non-blocking answers EAGAIN when its pipe is full (then wait a
 * millisecond for the reader); a reader that closed the pipe (`hdd-lens map big.hdd | head`) is not an error.
 */
function writeFully(fd: number, data: Uint8Array): void {
  for (let done = 0; done < data.length;) {
    try {
      done += writeSync(fd, data, done, data.length - done);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') Atomics.wait(pause, 0, 0, 1);
      else if (code === 'EPIPE') process.exit(process.exitCode ?? 0);
      else throw e;
    }
  }
}

export const stdout = new Output(1);
export const stderr = new Output(2);

/** Writes a message to stderr at once, prefixed with the program name: "hdd-lens: FILE: what went wrong". */
export function complain(message: string): void {
  stdout.flush();
  stderr.line(`hdd-lens: ${message}`);
  stderr.flush();
}

/** A reader that closed the pipe (`hdd-lens map big.hdd | head`) is not an error: stop quietly. */
export function exitQuietlyOnClosedPipe(): void {
  for (const s of [process.stdout, process.stderr]) {
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
}
