import type { Diagnostic, Range } from 'vscode-languageserver/node';
import { RULE_DOC_BASE, offsetToPosition } from '../shared/protocol';
import type { ShownFinding } from './documentAnalysis';
import { lspSeverity } from './settings';

/** The byte range [offset, offset + length) as positions of the 16-bytes-per-line convention (at least a byte). */
export function byteRange(offset: number, length: number): Range {
  return { start: offsetToPosition(offset), end: offsetToPosition(offset + Math.max(1, length)) };
}

/** A finding as a diagnostic at `range` (its bytes in the binary document, its line in the structure view). */
export function toDiagnostic(s: ShownFinding, range: Range = byteRange(s.offset, s.length)): Diagnostic {
  return {
    range,
    severity: lspSeverity(s.shown),
    code: s.code,
    codeDescription: { href: `${RULE_DOC_BASE}${s.code}` },
    source: 'hdd-lens',
    message: s.message,
    data: { offset: s.offset, length: s.length },
  };
}

/** Whether a diagnostic the client sends back is this finding's (same code and bytes). */
export function sameFinding(d: Diagnostic, s: ShownFinding): boolean {
  const data = d.data as { offset?: unknown; length?: unknown } | undefined;
  return d.code === s.code && data?.offset === s.offset && data?.length === s.length;
}
