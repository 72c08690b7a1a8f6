/**
 * Editing a header field, BAT entry or bitmap L1 entry through the tree.
 *
 * Design: the value is checked locally on every keystroke (number syntax, and the range of the field's width),
 * with the bytes it will write shown as a preview; the server is not asked about uncommitted candidates. Enter
 * (or Apply) commits it as one undoable `edit` of the document; the server then re-validates the edited state
 * and the new findings arrive like after any change, so a value the format forbids shows up at once as a problem
 * in the grid, the tree and the Problems panel, and Ctrl+Z takes it back. What the format requires of the field
 * (hddLens/inspect) is shown under the input while typing, so the person knows the rule before committing.
 */
import { parseNumber } from '../shared/numbers';
import type { StructureNode } from '../shared/protocol';
import { button, el } from './dom';
import type { Host } from './host';
import type { Model } from './model';
import { HEX_BYTE, hex, maxUnsigned, readLE, toLE } from './numbers';
import type { TreeNode } from './structureTree';

const EDITABLE_KINDS: ReadonlySet<StructureNode['kind']> = new Set(['field', 'batEntry', 'l1Entry']);
const WIDTHS: ReadonlySet<number> = new Set([1, 2, 4, 8]);

/** Numeric fields of 1, 2, 4 or 8 bytes are editable (the magic is fixed by its quick fix). */
export function editable(d: StructureNode, readOnly: boolean): boolean {
  return !readOnly && !d.undecodable && EDITABLE_KINDS.has(d.kind) && WIDTHS.has(d.length);
}

export type Validation = { bytes: Uint8Array; value: bigint } | { error: string };

/** Checks a typed value for a field of `width` bytes. */
export function validate(input: string, width: number): Validation {
  const p = parseNumber(input);
  if ('error' in p) return p;
  const max = maxUnsigned(width);
  if (p.value > max) return { error: `Too large for ${width} byte${width === 1 ? '' : 's'}: at most ${max} (${hex(max)})` };
  return { value: p.value, bytes: toLE(p.value, width) };
}

export class FieldEditor {
  readonly element: HTMLElement;
  private readonly title = el('div', { class: 'editor-title' });
  private readonly input = el('input', { class: 'editor-input', attrs: { type: 'text', spellcheck: 'false', autocomplete: 'off' } });
  private readonly preview = el('div', { class: 'editor-preview', attrs: { 'aria-live': 'polite' } });
  private readonly requirement = el('div', { class: 'card-req' });
  private readonly apply: HTMLButtonElement;
  private node: StructureNode | undefined;
  private original: bigint | undefined;
  private returnFocus: HTMLElement | undefined;

  constructor(
    private readonly model: Model,
    private readonly host: Host,
  ) {
    this.apply = button('Apply', () => this.commit(), { class: 'primary' });
    const cancel = button('Cancel', () => this.close());
    const id = 'field-editor-input';
    this.input.id = id;
    this.element = el('section', { class: 'pane editor hidden', attrs: { 'aria-label': 'Field editor' } }, [
      el('div', { class: 'pane-head' }, [el('h2', { text: 'Edit value' })]),
      this.title,
      el('label', { class: 'card-muted', text: 'New value (decimal, or hex with 0x)', attrs: { for: id } }),
      this.input,
      this.preview,
      this.requirement,
      el('div', { class: 'editor-buttons' }, [this.apply, cancel]),
    ]);
    this.input.addEventListener('input', () => this.check());
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        this.commit();
      } else if (e.key === 'Escape') {
        e.preventDefault();
        this.close();
      }
    });
    model.onInit.on(() => this.close());
  }

  async open(n: TreeNode): Promise<void> {
    const d = n.data;
    if (!editable(d, this.model.readOnly)) return;
    this.returnFocus = document.activeElement instanceof HTMLElement ? document.activeElement : undefined;
    this.node = d;
    this.title.textContent = `${d.label}: ${d.length} byte${d.length === 1 ? '' : 's'} at ${hex(d.offset)}`;
    this.requirement.textContent = '';
    this.element.classList.remove('hidden');
    this.input.value = '';
    this.input.focus();
    const bytes = await this.host.read(d.offset, d.length);
    this.original = readLE((o) => bytes[o - d.offset], d.offset, d.length);
    if (this.node !== d) return;
    this.input.value = this.original === undefined ? '' : this.original.toString();
    this.input.select();
    this.check();
    this.host.request('inspect', { offset: d.offset }).then(
      (info) => {
        if (this.node === d && info.field) this.requirement.textContent = `${info.field.name}: ${info.field.requirement}`;
      },
      () => undefined,
    );
  }

  close(): void {
    this.node = undefined;
    this.element.classList.add('hidden');
    this.returnFocus?.focus();
    this.returnFocus = undefined;
  }

  private check(): Validation | undefined {
    const d = this.node;
    if (!d) return undefined;
    const v = validate(this.input.value, d.length);
    const bad = 'error' in v;
    this.input.setAttribute('aria-invalid', String(bad));
    this.preview.classList.toggle('error', bad);
    this.preview.textContent = bad
      ? v.error
      : `Writes ${[...v.bytes].map((b) => HEX_BYTE[b]).join(' ')} (${hex(v.value)}, little-endian)${v.value === this.original ? ': unchanged' : ''}`;
    this.apply.disabled = bad || v.value === this.original;
    return v;
  }

  private commit(): void {
    const d = this.node;
    const v = this.check();
    if (!d || !v || 'error' in v) return;
    if (v.value !== this.original) this.host.post({ type: 'edit', offset: d.offset, data: v.bytes, label: `Set ${d.label} to ${v.value}` });
    this.close();
  }
}
