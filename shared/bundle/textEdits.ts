/**
 * Edits of the descriptor's text at parsed positions: a fix changes the characters of one value or inserts one
 * element, and every other byte (unknown elements, comments, indentation, the declaration) stays as it was. The
 * document is never re-serialised.
 */
import type { TextEdit } from './rule';
import type { XmlElement } from './xml';

/** Replaces an element's content (between its tags) with `value` (XML-escaped). */
export function replaceContent(el: XmlElement, value: string): TextEdit {
  return { start: el.openEnd.offset, end: el.closeStart.offset, text: escapeText(value) };
}

/**
 * Inserts `<name>value</name>` as the first child of `parent`, on its own line, indented like the parent's first
 * child (or one step deeper than the parent) with the document's line end.
 */
export function insertFirstChild(text: string, parent: XmlElement, name: string, value: string): TextEdit {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const first = parent.children[0];
  const indent = first ? indentOf(text, first.start.offset) : `${indentOf(text, parent.start.offset)}  `;
  return { start: parent.openEnd.offset, end: parent.openEnd.offset, text: `${eol}${indent}<${name}>${escapeText(value)}</${name}>` };
}

/** Applies edits (non-overlapping) to `text`. */
export function applyTextEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

function indentOf(text: string, offset: number): string {
  const lineStart = Math.max(text.lastIndexOf('\n', offset - 1) + 1, 0);
  const m = /^[ \t]*/.exec(text.slice(lineStart, offset));
  return m ? m[0] : '';
}

function escapeText(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
