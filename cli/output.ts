/**
 * Where the CLI writes: reports to stdout, errors and progress ("Repairing ...") to stderr. Output is buffered
 * into large writes (a map of millions of runs is millions of lines); on Linux, process.stdout writes to files
 * and pipes are synchronous, so nothing is lost when the process exits.
 */
export class Output {
  private parts: string[] = [];
  private size = 0;

  constructor(private readonly stream: NodeJS.WriteStream) {}

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

  flush(): void {
    if (this.parts.length === 0) return;
    this.stream.write(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}

export const stdout = new Output(process.stdout);
export const stderr = new Output(process.stderr);

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
