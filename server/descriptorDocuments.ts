/**
 * DiskDescriptor.xml as a text document of the language server: on every open and change the bundle is checked
 * with the editor's text (the images are read from disk, read-only), and the server answers with diagnostics on
 * the element at fault, hovers on GUID / File / Disk_size / Blocksize saying what the images hold, document links
 * from <File> to the image, go-to-definition from a GUID reference to its <Shot>, an outline of the snapshot tree,
 * and quick fixes that are the descriptor fixes of `check -r all` as text edits. Nothing is written here: a quick
 * fix is a WorkspaceEdit the editor applies (and can undo).
 */
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type CodeAction,
  CodeActionKind,
  type Diagnostic,
  DiagnosticSeverity,
  DocumentLink,
  DocumentSymbol,
  type Hover,
  Location,
  MarkupKind,
  type Position,
  Range,
  SymbolKind,
  TextEdit,
} from 'vscode-languageserver/node';
import { type Bundle, type BundleImage, allImages, openBundle } from '../shared/bundle/bundle';
import { type BundleCheck, checkOpenBundle } from '../shared/ops/bundleCheck';
import { BundleContext, type BundleFinding } from '../shared/bundle/rule';
import { imageSummary } from '../shared/ops/bundleSummary';
import type { XmlElement } from '../shared/bundle/xml';
import { BUNDLE_RULES } from '../shared/rules/catalogue';
import type { Settings, SeverityOverride } from './settings';
import { uriToPath } from './uri';
import { hex } from '../shared/format/le';

/** Whether a text document is a bundle descriptor, by its name. */
export function isDescriptorUri(uri: string): boolean {
  return /(^|\/)DiskDescriptor\.xml$/.test(uri.split(/[?#]/)[0]);
}

interface Open {
  uri: string;
  version: number;
  check?: BundleCheck;
  error?: string;
  /** The diagnostics of the last check, before the settings filter them. */
  diagnostics: Diagnostic[];
}

/** The diagnostics as the settings show them: ignored and `off` rules dropped, severities overridden. */
export function shown(diagnostics: readonly Diagnostic[], settings: Settings): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const d of diagnostics) {
    const code = typeof d.code === 'string' ? d.code : '';
    const override = settings.severity.get(code);
    if (settings.ignore.has(code) || override === 'off') continue;
    out.push(override ? { ...d, severity: OVERRIDE[override] } : d);
  }
  return out;
}

const OVERRIDE: Record<Exclude<SeverityOverride, 'off'>, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export class DescriptorDocuments {
  private readonly docs = new Map<string, Open>();

  /** Checks the text and returns the diagnostics to publish. */
  update(uri: string, version: number, text: string): Diagnostic[] {
    const doc: Open = { uri, version, diagnostics: [] };
    this.docs.set(uri, doc);
    const path = uriToPath(uri);
    if (!path) return [];
    try {
      doc.check = checkOpenBundle(openBundle(dirname(path), text));
      doc.diagnostics = diagnostics(doc.check);
    } catch (e) {
      doc.error = e instanceof Error ? e.message : String(e);
      doc.diagnostics = [{ range: Range.create(0, 0, 0, 0), severity: DiagnosticSeverity.Error, source: 'hdd-lens', message: doc.error }];
    }
    return doc.diagnostics;
  }

  /** Every open descriptor with its version and last diagnostics (to publish again when the settings change). */
  published(): Array<{ uri: string; version: number; diagnostics: Diagnostic[] }> {
    return [...this.docs.values()].map((d) => ({ uri: d.uri, version: d.version, diagnostics: d.diagnostics }));
  }

  close(uri: string): void {
    this.docs.delete(uri);
  }

  has(uri: string): boolean {
    return this.docs.has(uri);
  }

  hover(uri: string, pos: Position): Hover | null {
    const b = this.docs.get(uri)?.check?.bundle;
    const el = b && elementAt(b, pos);
    if (!b || !el) return null;
    const text = hoverText(b, el);
    return text ? { contents: { kind: MarkupKind.Markdown, value: text }, range: rangeOf(b, el.start.offset, el.end.offset) } : null;
  }

  links(uri: string): DocumentLink[] {
    const b = this.docs.get(uri)?.check?.bundle;
    if (!b) return [];
    return allImages(b)
      .filter((i) => i.file?.kind === 'file' && i.entry.file)
      .map((i) => {
        const el = i.entry.file?.el as XmlElement;
        return DocumentLink.create(
          rangeOf(b, el.openEnd.offset, el.closeStart.offset),
          pathToFileURL(i.file?.path ?? '').toString(),
          `${i.kind} image of snapshot ${i.guid}`,
        );
      });
  }

  definition(uri: string, pos: Position): Location | null {
    const b = this.docs.get(uri)?.check?.bundle;
    const el = b && elementAt(b, pos);
    const g = el && guidOf(el);
    if (!b || !el || g === undefined) return null;
    const shot = b.tree.byGuid.get(g)?.shot.el;
    return shot ? Location.create(uri, rangeOf(b, shot.start.offset, shot.end.offset)) : null;
  }

  symbols(uri: string): DocumentSymbol[] {
    const b = this.docs.get(uri)?.check?.bundle;
    if (!b) return [];
    const seen = new Set<string>();
    const node = (g: string): DocumentSymbol | undefined => {
      const s = b.tree.byGuid.get(g);
      if (!s || seen.has(g)) return undefined;
      seen.add(g);
      const r = rangeOf(b, s.shot.el.start.offset, s.shot.el.end.offset);
      const sel = s.shot.guid ? rangeOf(b, s.shot.guid.el.openEnd.offset, s.shot.guid.el.closeStart.offset) : r;
      const role = g === b.chain.guids[0] ? 'top' : b.chain.guids.includes(g) ? 'active' : 'inactive';
      const children = s.children.map(node).filter((c): c is DocumentSymbol => c !== undefined);
      return DocumentSymbol.create(g, `${role}${s.temporary ? ', temporary' : ''}`, SymbolKind.Object, r, sel, children);
    };
    return [...b.tree.roots, ...b.tree.byGuid.keys()].map(node).filter((n): n is DocumentSymbol => n !== undefined);
  }

  /** The descriptor fixes whose findings touch `range`, each as one edit of the document. */
  codeActions(uri: string, range: Range): CodeAction[] {
    const open = this.docs.get(uri);
    const check = open?.check;
    if (!open || !check) return [];
    const b = check.bundle;
    const ctx = new BundleContext(b);
    const out: CodeAction[] = [];
    for (const rule of BUNDLE_RULES) {
      const hits = check.findings.filter((f) => f.code === rule.code && f.repair !== undefined && overlaps(b, f, range));
      if (!rule.edits || hits.length === 0) continue;
      const edits = rule.edits(ctx).map((e) => TextEdit.replace(rangeOf(b, e.start, e.end), e.text));
      if (edits.length === 0) continue;
      out.push({
        title: `hdd-lens: ${rule.fix}`,
        kind: CodeActionKind.QuickFix,
        isPreferred: true,
        diagnostics: hits.map((f) => diagnostic(b, f)),
        edit: { documentChanges: [{ textDocument: { uri, version: open.version }, edits }] },
      });
    }
    return out;
  }
}

function diagnostics(check: BundleCheck): Diagnostic[] {
  const b = check.bundle;
  const out = check.findings.map((f) => diagnostic(b, f));
  // Image findings go on the <File> of the image they are about.
  for (const r of check.report.images) {
    const img = allImages(b).find((i) => i.file?.path === r.filename);
    const el = img?.entry.file?.el;
    for (const f of r.findings) {
      out.push({
        range: el ? rangeOf(b, el.start.offset, el.end.offset) : Range.create(0, 0, 0, 0),
        severity: severity(f.severity),
        code: f.code,
        source: 'hdd-lens',
        message: `${img?.entry.file?.text ?? r.filename}: ${f.message} (at offset ${f.offset})`,
      });
    }
  }
  return out;
}

/** A bundle rule's finding as a diagnostic of the descriptor (at its element; other files are named in the message). */
export function diagnostic(b: Bundle, f: BundleFinding): Diagnostic {
  const start = f.textStart ?? b.descriptor?.root.start.offset ?? 0;
  const end = f.textEnd ?? start;
  const where = f.file === b.descriptorPath ? '' : `${f.file}: `;
  return { range: rangeOf(b, start, end), severity: severity(f.severity), code: f.code, source: 'hdd-lens', message: `${where}${f.message}` };
}

function severity(s: BundleFinding['severity']): DiagnosticSeverity {
  return s === 'error' ? DiagnosticSeverity.Error : s === 'warning' ? DiagnosticSeverity.Warning : DiagnosticSeverity.Information;
}

function overlaps(b: Bundle, f: BundleFinding, range: Range): boolean {
  const r = rangeOf(b, f.textStart ?? 0, f.textEnd ?? 0);
  const before = (p: Position, q: Position): boolean => p.line < q.line || (p.line === q.line && p.character <= q.character);
  return before(r.start, range.end) && before(range.start, r.end);
}

/** An LSP range (0-based lines, UTF-16 characters) of string offsets [start, end). */
function rangeOf(b: Bundle, start: number, end: number): Range {
  const s = b.positions.fromOffset(start);
  const e = b.positions.fromOffset(end);
  return Range.create(s.line - 1, s.column - 1, e.line - 1, e.column - 1);
}

/** The innermost element whose tags contain `pos`. */
function elementAt(b: Bundle, pos: Position): XmlElement | undefined {
  const root = b.descriptor?.root;
  if (!root) return undefined;
  const offset = offsetOf(b, pos);
  let at: XmlElement | undefined;
  for (let el: XmlElement | undefined = root; el; el = el.children.find((c) => c.start.offset <= offset && offset < c.end.offset)) at = el;
  return at;
}

function offsetOf(b: Bundle, pos: Position): number {
  let line = 1;
  let i = 0;
  const t = b.text;
  while (line <= pos.line && i < t.length) {
    const nl = t.indexOf('\n', i);
    if (nl < 0) break;
    i = nl + 1;
    line++;
  }
  return i + pos.character;
}

const GUID_ELEMENTS = new Set(['GUID', 'ParentGUID', 'TopGUID']);

function guidOf(el: XmlElement): string | undefined {
  if (!GUID_ELEMENTS.has(el.name)) return undefined;
  return /^\{[0-9a-f-]{36}\}$/i.test(el.text.trim()) ? el.text.trim().toLowerCase() : undefined;
}

function hoverText(b: Bundle, el: XmlElement): string | undefined {
  const g = guidOf(el);
  if (g !== undefined) return guidHover(b, g);
  if (el.name === 'File') {
    const img = allImages(b).find((i) => i.entry.file?.el === el);
    return img ? `**Image file** of snapshot \`${img.guid}\`, storage ${img.storage}\n\n${imageLine(img)}` : undefined;
  }
  if (el.name === 'Disk_size') {
    const n = b.descriptor?.diskParameters?.diskSize?.value;
    const tops = b.images.map((m) => (b.chain.guids[0] ? m.get(b.chain.guids[0]) : undefined));
    const sizes = tops.map((t, k) => `storage ${k}: top ${t ? `${imageSummary(t).size ?? '?'} bytes` : 'missing'}`).join('; ');
    return `**Disk_size**: the guest disk in 512-byte sectors${n !== undefined ? `: ${n} sectors = ${n * 512} bytes` : ''}\n\n${sizes}`;
  }
  if (el.name === 'Blocksize' || el.name === 'BlockSize') {
    const n = Number(el.text.trim());
    const k = b.descriptor?.storages.findIndex((s) => s.blocksize?.el === el) ?? -1;
    const clusters =
      k >= 0 ? [...(b.images[k]?.values() ?? [])].map((i) => `\`${i.entry.file?.text}\`: ${imageSummary(i).clusterSize ?? '?'} bytes`).join(', ') : '';
    return `**Blocksize**: the cluster size of this storage's images, in sectors${Number.isFinite(n) ? `: ${n} = ${n * 512} bytes` : ''}\n\nImages: ${clusters}`;
  }
  return undefined;
}

function guidHover(b: Bundle, g: string): string {
  const s = b.tree.byGuid.get(g);
  if (g === '{00000000-0000-0000-0000-000000000000}') return '**Null GUID**: no parent (the root of a chain)';
  if (!s) return `**${g}**: no <Shot> has this GUID`;
  const role = g === b.chain.guids[0] ? `the top (${b.top.how})` : b.chain.guids.includes(g) ? 'on the active chain' : 'an inactive snapshot';
  const images = b.images
    .map((m) => m.get(g))
    .filter((i): i is BundleImage => i !== undefined)
    .map((i) => `- storage ${i.storage}: ${imageLine(i)}`);
  return [
    `**Snapshot ${g}**: ${role}${s.temporary ? ', temporary' : ''}; parent ${s.parent ?? 'none (root)'}; ${s.children.length} child(ren)`,
    '',
    ...images,
  ].join('\n');
}

function imageLine(i: BundleImage): string {
  const s = imageSummary(i);
  if (!s.exists) return `\`${s.file}\`: missing`;
  if (s.kind === 'raw') return `\`${s.file}\`: raw, ${s.size} bytes`;
  const inUse = s.inUseTag ? `"${s.inUseTag}"` : hex(s.inUse ?? 0);
  return `\`${s.file}\`: ${s.version ?? 'unreadable'}, cluster ${s.clusterSize} bytes, size ${s.size} bytes, ${s.allocatedClusters ?? '?'} allocated clusters, in_use ${inUse}`;
}
