import type { Finding } from './finding';

export interface Counts {
  corruptions: number;
  leaks: number;
  warnings: number;
  infos: number;
}

/** Counts instances (a summary finding counts for all it stands for). */
export function countFindings(findings: readonly Finding[]): Counts {
  const c: Counts = { corruptions: 0, leaks: 0, warnings: 0, infos: 0 };
  for (const f of findings) {
    const n = f.count ?? 1;
    if (f.category === 'corruption') c.corruptions += n;
    else if (f.category === 'leak') c.leaks += n;
    else if (f.category === 'warning') c.warnings += n;
    else c.infos += n;
  }
  return c;
}
