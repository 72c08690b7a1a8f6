import { DiagnosticSeverity } from 'vscode-languageserver/node';
import type { Severity } from '../shared/check/finding';

/** How a rule's findings are shown: an LSP severity, or not at all. */
export type SeverityOverride = 'error' | 'warning' | 'info' | 'hint' | 'off';

/**
 * The server's settings, read from the client's `hddLens` configuration section:
 * - `hddLens.rules.ignore`: rule codes whose findings are not shown (nor repaired by the bulk fixes);
 * - `hddLens.rules.severity`: `{ "<code>": "error" | "warning" | "info" | "hint" | "off" }`;
 * - `hddLens.batPageSize`: bytes of BAT per page in the structure tree and view (a multiple of 4; default 4096;
 *   raised for a BAT that would have more than MAX_BAT_PAGES pages).
 */
export interface Settings {
  ignore: ReadonlySet<string>;
  severity: ReadonlyMap<string, SeverityOverride>;
  batPageSize: number;
}

export const DEFAULT_BAT_PAGE_SIZE = 4096;

export const DEFAULT_SETTINGS: Settings = { ignore: new Set(), severity: new Map(), batPageSize: DEFAULT_BAT_PAGE_SIZE };

const OVERRIDES: ReadonlySet<string> = new Set(['error', 'warning', 'info', 'information', 'hint', 'off']);

/** Reads the `hddLens` section as a client sends it (nested objects, or flat dotted keys); ignores what is malformed. */
export function parseSettings(section: unknown): Settings {
  const root = record(section);
  const rules = record(root.rules);
  const ignore = pick(rules.ignore, root['rules.ignore']);
  const severity = pick(rules.severity, root['rules.severity']);
  const page = pick(root.batPageSize, undefined);
  const out: Settings = { ignore: new Set(), severity: new Map(), batPageSize: DEFAULT_BAT_PAGE_SIZE };
  if (Array.isArray(ignore)) out.ignore = new Set(ignore.filter((c): c is string => typeof c === 'string'));
  const sev = new Map<string, SeverityOverride>();
  for (const [code, v] of Object.entries(record(severity))) {
    if (typeof v === 'string' && OVERRIDES.has(v)) sev.set(code, v === 'information' ? 'info' : (v as SeverityOverride));
  }
  out.severity = sev;
  if (typeof page === 'number' && Number.isFinite(page) && page >= 4) out.batPageSize = Math.floor(page / 4) * 4;
  return out;
}

/** The severity a finding is shown with, or undefined when the settings hide it. */
export function shownSeverity(settings: Settings, code: string, severity: Severity): SeverityOverride | undefined {
  if (settings.ignore.has(code)) return undefined;
  const o = settings.severity.get(code) ?? severity;
  return o === 'off' ? undefined : o;
}

export function lspSeverity(s: SeverityOverride): DiagnosticSeverity {
  switch (s) {
    case 'error':
      return DiagnosticSeverity.Error;
    case 'warning':
      return DiagnosticSeverity.Warning;
    case 'hint':
      return DiagnosticSeverity.Hint;
    case 'info':
    case 'off': // never shown (shownSeverity drops it); typed here so that a new severity must be placed
      return DiagnosticSeverity.Information;
  }
}

/** The protocol's finding severity for a shown severity (hints travel as info). */
export function wireSeverity(s: SeverityOverride): Severity {
  return s === 'error' || s === 'warning' ? s : 'info';
}

function record(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function pick(a: unknown, b: unknown): unknown {
  return a !== undefined ? a : b;
}
