/** Timing traces on stderr, when HDD_LENS_TRACE is set (stderr is the LSP clients' log; stdout is the protocol). */
export const TRACING = process.env.HDD_LENS_TRACE !== undefined && process.env.HDD_LENS_TRACE !== '';

export function trace(text: string): void {
  if (TRACING) console.error(`[hdd-lens ${new Date().toISOString().slice(11, 23)}] ${text}`);
}

/** Milliseconds since `start` (a performance.now() reading), rounded for logs. */
export function since(start: number): number {
  return Math.round(performance.now() - start);
}
