/**
 * Measurements inside the editor's webview: the marks media/app.ts and media/hexGrid.ts set (init, first grid
 * paint, findings), animation-frame times while something drives the page, and memory as the browser reports it.
 */
import type { Frame, Page } from 'playwright-core';

export interface Mark {
  name: string;
  /** Epoch ms (the frame's time origin + the mark's time), comparable with Date.now() in the test. */
  at: number;
  detail: unknown;
}

export function marks(frame: Frame): Promise<Mark[]> {
  return frame.evaluate(() =>
    performance
      .getEntriesByType('mark')
      .map((m) => ({ name: m.name, at: performance.timeOrigin + m.startTime, detail: (m as PerformanceMark).detail as unknown })),
  );
}

/** Waits for a mark (and a test on its detail); returns its epoch time. */
export async function waitMark(frame: Frame, name: string, timeoutMs: number, test: (detail: unknown) => boolean = () => true): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const hit = (await marks(frame)).find((m) => m.name === name && test(m.detail));
    if (hit) return hit.at;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no ${name} mark within ${timeoutMs} ms`);
}

export interface FrameStats {
  frames: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** Frames longer than 50 ms (visibly janky). */
  over50: number;
}

/** Runs `drive` while recording requestAnimationFrame deltas in the webview. */
export async function frameTimes(frame: Frame, drive: () => Promise<void>): Promise<FrameStats> {
  await frame.evaluate(() => {
    const w = window as unknown as { __deltas: number[]; __recording: boolean };
    w.__deltas = [];
    w.__recording = true;
    let last = performance.now();
    const tick = (t: number): void => {
      w.__deltas.push(t - last);
      last = t;
      if (w.__recording) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await drive();
  const deltas = await frame.evaluate(() => {
    const w = window as unknown as { __deltas: number[]; __recording: boolean };
    w.__recording = false;
    return w.__deltas.slice(1);
  });
  return stats(deltas);
}

function stats(deltas: number[]): FrameStats {
  const sorted = [...deltas].sort((a, b) => a - b);
  const q = (p: number): number => round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN);
  return {
    frames: deltas.length,
    meanMs: round(deltas.reduce((a, b) => a + b, 0) / Math.max(1, deltas.length)),
    p50Ms: q(0.5),
    p95Ms: q(0.95),
    maxMs: round(sorted[sorted.length - 1] ?? NaN),
    over50: deltas.filter((d) => d > 50).length,
  };
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}

export interface Memory {
  /** JS heap of the renderer that runs the workbench and (same origin, same process) the webview, after a GC. */
  rendererHeapMB: number;
  /** Elements in the webview's document: bounded by the window, not the file. */
  webviewElements: number;
}

/** Heap after a full garbage collection (CDP), and the webview's element count when a frame is given. */
export async function memory(page: Page, frame?: Frame): Promise<Memory> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  await cdp.detach();
  const webviewElements = frame ? await frame.evaluate(() => document.getElementsByTagName('*').length) : 0;
  return { rendererHeapMB: Math.round((usedSize / 1048576) * 10) / 10, webviewElements };
}

/**
 * Where the time from the open command (t0, epoch ms) to the first painted grid went, from the two frames of the
 * webview: VS Code creating the outer frame (after the extension activated and resolved the editor), VS Code's
 * webview service worker becoming ready (its own `webview/index.html/content/*` marks), the inner frame (our page)
 * starting, our script running, `init` arriving, and the first complete grid paint. All in ms after t0.
 */
export interface OpenBreakdown {
  outerFrame: number;
  workerReady?: number;
  innerFrame: number;
  script?: number;
  init?: number;
  firstPaint?: number;
}

export async function openBreakdown(inner: Frame, t0: number): Promise<OpenBreakdown> {
  const outer = inner.parentFrame();
  if (!outer) throw new Error('the webview frame has no parent frame');
  const outerMarks = await outer.evaluate(() => ({
    origin: performance.timeOrigin,
    marks: performance.getEntriesByType('mark').map((m) => [m.name, m.startTime] as [string, number]),
  }));
  const own = await marks(inner);
  const innerOrigin = await inner.evaluate(() => performance.timeOrigin);
  const ms = (epoch: number | undefined): number | undefined => (epoch === undefined ? undefined : Math.round(epoch - t0));
  const outerMark = (name: string): number | undefined => {
    const m = outerMarks.marks.find(([n]) => n === name);
    return m ? outerMarks.origin + m[1] : undefined;
  };
  const ownMark = (name: string): number | undefined => own.find((m) => m.name === name)?.at;
  return {
    outerFrame: Math.round(outerMarks.origin - t0),
    workerReady: ms(outerMark('webview/index.html/content/workerReady')),
    innerFrame: Math.round(innerOrigin - t0),
    script: ms(ownMark('hddlens-script')),
    init: ms(ownMark('hddlens-init')),
    firstPaint: ms(ownMark('hddlens-first-grid-paint')),
  };
}
