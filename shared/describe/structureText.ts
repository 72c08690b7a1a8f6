import type { StructureNode } from './structureNode';
import type { Severity } from '../check/finding';
import { hex } from '../format/le';
import type { ByteRange, RangeIndex } from './rangeIndex';
import { type CodedRange, type TreeInput, batPageNode, structureTree } from './structureTree';

export interface TextFinding extends CodedRange {
  severity: Severity;
  message: string;
}

/** A heading of the outline, with the text lines it spans (end inclusive). */
export interface OutlineItem {
  name: string;
  detail?: string;
  kind: StructureNode['kind'] | 'finding' | 'findings';
  line: number;
  endLine: number;
  children: OutlineItem[];
}

export interface StructureText {
  text: string;
  /** For each line, the bytes it is about (undefined for headings without a position). */
  lines: Array<ByteRange | undefined>;
  /** The line where each finding is first shown (under its bytes, else in the closing list). */
  findingLines: Map<TextFinding, number>;
  outline: OutlineItem[];
}

export interface TextInput extends TreeInput {
  title: string;
  findings: RangeIndex<TextFinding>;
  /** Show this BAT page's entries (the other pages are one line each). */
  page?: number;
  /** BATs of at most this many entries are shown entry by entry. */
  expandEntries?: number;
  /** Most findings listed in the closing section. */
  maxFindings?: number;
}

const MARK: Record<Severity, string> = { error: 'ERROR', warning: 'WARNING', info: 'INFO' };

/**
 * The structure view: a readable, annotated dump of the image for any text editor. Every line that is about
 * bytes records them, so hovers, the outline and quick fixes on the text map back to byte offsets. Findings are
 * shown under the line of the bytes they are about, and all of them again at the end.
 */
export function structureText(input: TextInput): StructureText {
  const w = new Writer();
  const tree = structureTree(input);
  w.line(input.title);
  w.line(tree.detail ?? '');
  const all = input.findings.all;
  w.line(summary(all));
  const shown = new Set<TextFinding>();
  for (const section of tree.children ?? []) {
    w.line('');
    const item = w.open(section.label.toUpperCase(), section.kind, section.value ?? section.detail);
    w.line(
      `${section.label.toUpperCase()}  ${span(section)}${section.value ? `  ${section.value}` : ''}${section.detail ? `  (${section.detail})` : ''}`,
      section,
    );
    if (section.kind === 'bat') writeBat(w, input, section, shown);
    else writeChildren(w, input, section.children ?? [], 1, shown);
    w.close(item);
  }
  w.line('');
  const findings = w.open(`FINDINGS (${all.length})`, 'findings');
  w.line(`FINDINGS (${all.length})`);
  const max = input.maxFindings ?? 5000;
  for (const f of all.slice(0, max)) {
    const item = w.open(`${f.code} at ${hex(f.offset)}`, 'finding', f.message);
    w.finding(`  ${MARK[f.severity].padEnd(7)} ${f.code}  ${hex(f.offset)}+${f.length}: ${f.message}`, f);
    w.close(item);
  }
  if (all.length > max) w.line(`  ... ${all.length - max} more`);
  w.close(findings);
  return w.result();
}

function writeBat(w: Writer, input: TextInput, bat: StructureNode, shown: Set<TextFinding>): void {
  const pages = bat.children ?? [];
  const expandAll = (input.image.geometry?.batEntries ?? 0) <= (input.expandEntries ?? 4096);
  if (!expandAll) w.line(`  ${pages.length} pages; the entries of page N are in the view of this URI with "#page=N"`);
  for (const p of pages) {
    const expand = expandAll || p.batPage === input.page;
    const item = w.open(`page ${p.batPage}: ${p.label}`, 'batPage', p.value);
    w.line(`  page ${p.batPage}: ${p.label}  ${span(p)}  ${p.value ?? ''}  ${p.detail ?? ''}${p.problems ? `  problems: ${p.problems.join(', ')}` : ''}`, p);
    if (expand && p.batPage !== undefined) {
      const entries = batPageNode(input, p.batPage)?.children ?? [];
      // What an entry says first (its value, the host offset), the guest range it covers last: at half an
      // editor's width the columns that matter are on screen. Columns are as wide as this page needs.
      const cells = entries.map((e) => {
        const [value, host] = (e.value ?? '').split(' → host ');
        return [`[${e.label.replace('entry ', '')}]`, value, host ?? '-', (e.detail ?? '').replace('guest ', '')];
      });
      const widths = columnWidths([['entry', 'value', 'host', 'guest range'], ...cells]);
      w.line(`    ${row(['entry', 'value', 'host', 'guest range'], widths)}`);
      entries.forEach((e, k) => {
        w.line(`    ${row(cells[k], widths)}`, e);
        inlineFindings(w, input, e, 3, shown);
      });
    } else inlineFindings(w, input, p, 2, shown);
    w.close(item);
  }
}

/** Longest label a column is padded for; longer ones push their value right instead of every line's. */
const LABEL_COLUMN = 18;

function writeChildren(w: Writer, input: TextInput, nodes: StructureNode[], depth: number, shown: Set<TextFinding>): void {
  const pad = '  '.repeat(depth);
  // Offsets and labels padded to what these siblings need (not to fixed wide columns): values start some 25
  // columns in, so the view reads at half an editor's width.
  const offsetWidth = Math.max(0, ...nodes.map((n) => hex(n.offset).length));
  const labelWidth = Math.min(LABEL_COLUMN, Math.max(0, ...nodes.map((n) => n.label.length)));
  for (const n of nodes) {
    const label = n.label.length > 40 ? `${n.label.slice(0, 39)}…` : n.label;
    const start = `${pad}${hex(n.offset).padEnd(offsetWidth)}  `;
    if (n.children && n.children.length > 0) {
      const item = w.open(n.label, n.kind, n.value);
      w.line(`${start}${label}${n.value ? `  ${n.value}` : ''}`, n);
      writeChildren(w, input, n.children, depth + 1, shown);
      w.close(item);
      continue;
    }
    const item = w.open(n.label, n.kind, n.value);
    w.line(`${start}${label.padEnd(labelWidth)}  ${n.value ?? ''}`, n);
    inlineFindings(w, input, n, depth + 1, shown);
    w.close(item);
  }
}

function columnWidths(rows: string[][]): number[] {
  return rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
}

/** Cells padded to their column's width, two spaces apart (the last one as it is). */
function row(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
}

/** The findings that start in a node's bytes, once each, under its line. */
function inlineFindings(w: Writer, input: TextInput, n: StructureNode, depth: number, shown: Set<TextFinding>): void {
  const pad = '  '.repeat(depth);
  for (const f of input.findings.overlapping(n.offset, n.offset + Math.max(1, n.length))) {
    if (shown.has(f) || f.offset < n.offset) continue;
    shown.add(f);
    w.finding(`${pad}^ ${MARK[f.severity]} ${f.code}: ${f.message}`, f);
  }
}

function span(n: ByteRange): string {
  return n.length > 0 ? `${hex(n.offset)}-${hex(n.offset + n.length - 1)}` : hex(n.offset);
}

function summary(findings: readonly TextFinding[]): string {
  if (findings.length === 0) return 'No findings.';
  const count = (s: Severity): number => findings.filter((f) => f.severity === s).length;
  return `Findings: ${count('error')} errors, ${count('warning')} warnings, ${count('info')} infos (listed under their bytes and at the end).`;
}

/** Collects lines with their byte ranges, and the outline as it is opened and closed. */
class Writer {
  private readonly out: string[] = [];
  private readonly ranges: Array<ByteRange | undefined> = [];
  private readonly stack: OutlineItem[] = [];
  private readonly roots: OutlineItem[] = [];
  private readonly findingLines = new Map<TextFinding, number>();

  line(text: string, at?: ByteRange): void {
    this.out.push(text.trimEnd());
    this.ranges.push(at ? { offset: at.offset, length: at.length } : undefined);
  }

  /** A line about a finding; the first one of each finding is where its diagnostic goes. */
  finding(text: string, f: TextFinding): void {
    if (!this.findingLines.has(f)) this.findingLines.set(f, this.out.length);
    this.line(text, f);
  }

  open(name: string, kind: OutlineItem['kind'], detail?: string): OutlineItem {
    const item: OutlineItem = { name, kind, line: this.out.length, endLine: this.out.length, children: [] };
    if (detail) item.detail = detail;
    (this.stack[this.stack.length - 1]?.children ?? this.roots).push(item);
    this.stack.push(item);
    return item;
  }

  close(item: OutlineItem): void {
    item.endLine = Math.max(item.line, this.out.length - 1);
    this.stack.pop();
  }

  result(): StructureText {
    return { text: `${this.out.join('\n')}\n`, lines: this.ranges, outline: this.roots, findingLines: this.findingLines };
  }
}
