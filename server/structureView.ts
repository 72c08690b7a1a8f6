import { type CodeAction, type Diagnostic, type DocumentSymbol, type FoldingRange, type Range, SymbolKind } from 'vscode-languageserver/node';
import type { ByteRange } from '../shared/describe/rangeIndex';
import { type OutlineItem, type StructureText, type TextInput, structureText } from '../shared/describe/structureText';
import type { Analysis, ShownFinding } from './documentAnalysis';
import { pageEntries } from './derived';
import { toDiagnostic } from './diagnostics';
import type { ServedImage } from './servedImage';
import type { Settings } from './settings';

/** The structure view's text of an analysis (cached per analysis, settings and page). */
export function renderStructure(doc: ServedImage, analysis: Analysis, settings: Settings, page: number | undefined): StructureText {
  const entries = pageEntries(analysis, settings);
  return analysis.memoFor(settings, `text:${page ?? ''}`, () => {
    const input: TextInput = {
      image: analysis.image,
      space: analysis.checked?.space,
      findings: analysis.view(settings).index,
      pageEntries: entries,
      title: `hdd-lens structure of ${doc.path} (version ${analysis.version}${analysis.checked ? '' : ', still being checked'})`,
      page,
    };
    const counts = analysis.pageCounts.get(entries);
    if (counts) input.pageAllocated = counts;
    return structureText(input);
  });
}

export function lineRange(text: StructureText, line: number): Range {
  return { start: { line, character: 0 }, end: { line, character: lineLength(text, line) } };
}

const lineStarts = new WeakMap<StructureText, number[]>();

function lineLength(text: StructureText, line: number): number {
  let starts = lineStarts.get(text);
  if (!starts) {
    starts = [0];
    for (let at = text.text.indexOf('\n'); at >= 0; at = text.text.indexOf('\n', at + 1)) starts.push(at + 1);
    lineStarts.set(text, starts);
  }
  if (line + 1 >= starts.length) return 0;
  return starts[line + 1] - 1 - starts[line];
}

/** The bytes the lines of a range are about. */
export function bytesOfLines(text: StructureText, range: Range): ByteRange[] {
  const out: ByteRange[] = [];
  for (let l = range.start.line; l <= range.end.line && l < text.lines.length; l++) {
    const r = text.lines[l];
    if (r) out.push(r);
  }
  return out;
}

/** The findings on the lines of a range: shown on them, or about the bytes they describe. */
export function findingsOnLines(text: StructureText, analysis: Analysis, settings: Settings, range: Range): ShownFinding[] {
  const view = analysis.view(settings);
  const hits = new Set<ShownFinding>();
  for (const s of view.shown) {
    const line = text.findingLines.get(s);
    if (line !== undefined && line >= range.start.line && line <= range.end.line) hits.add(s);
  }
  for (const r of bytesOfLines(text, range)) {
    // A line about a whole BAT page or section would drag in every finding inside it: only field-sized lines.
    if (r.length > 64) continue;
    for (const s of view.index.overlapping(r.offset, r.offset + Math.max(1, r.length))) hits.add(s);
  }
  return view.shown.filter((s) => hits.has(s));
}

/** Each finding as a diagnostic on the line where the view shows it first. */
export function structureDiagnostics(text: StructureText, analysis: Analysis, settings: Settings): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const s of analysis.view(settings).shown) {
    const line = text.findingLines.get(s);
    if (line !== undefined) out.push(toDiagnostic(s, lineRange(text, line)));
  }
  return out;
}

export function structureDiagnostic(text: StructureText): (s: ShownFinding) => Diagnostic {
  return (s) => {
    const line = text.findingLines.get(s);
    return toDiagnostic(s, line === undefined ? lineRange(text, 0) : lineRange(text, line));
  };
}

const KINDS: Record<OutlineItem['kind'], SymbolKind> = {
  image: SymbolKind.File,
  header: SymbolKind.Struct,
  field: SymbolKind.Field,
  bat: SymbolKind.Array,
  batPage: SymbolKind.Array,
  batEntry: SymbolKind.Number,
  data: SymbolKind.Package,
  extension: SymbolKind.Module,
  feature: SymbolKind.Object,
  bitmap: SymbolKind.Object,
  l1Entry: SymbolKind.Number,
  space: SymbolKind.Null,
  findings: SymbolKind.Event,
  finding: SymbolKind.Event,
};

/** The outline of the view as document symbols, spanning the lines of each section. */
export function structureSymbols(text: StructureText): DocumentSymbol[] {
  const convert = (item: OutlineItem): DocumentSymbol => {
    const range: Range = { start: { line: item.line, character: 0 }, end: { line: item.endLine, character: lineLength(text, item.endLine) } };
    const symbol: DocumentSymbol = { name: item.name, kind: KINDS[item.kind] ?? SymbolKind.Field, range, selectionRange: lineRange(text, item.line) };
    if (item.detail) symbol.detail = item.detail;
    if (item.children.length > 0) symbol.children = item.children.map(convert);
    return symbol;
  };
  return text.outline.map(convert);
}

/**
 * Folding of the structure view: each section, BAT page, group and finding list folds from its heading line to its
 * last line (the outline's own extents, so folding and the outline agree).
 */
export function structureFolding(text: StructureText): FoldingRange[] {
  const out: FoldingRange[] = [];
  const visit = (item: OutlineItem): void => {
    if (item.endLine > item.line) out.push({ startLine: item.line, endLine: item.endLine });
    for (const c of item.children) visit(c);
  };
  for (const item of text.outline) visit(item);
  return out;
}

export type { CodeAction };
