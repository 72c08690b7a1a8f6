/**
 * A small positioned XML tree for DiskDescriptor.xml, built on saxes (npm `saxes`, pinned).
 *
 * Why saxes: of the libraries compared (saxes, sax, @xmldom/xmldom, fast-xml-parser, htmlparser2) it is the one
 * that checks XML 1.0 well-formedness strictly (a descriptor that does not parse is reported, not guessed at),
 * reports a position after every event (so every element and every value gets a start and an end), has a single
 * small dependency, and never expands entities declared in a DTD nor fetches external ones (only the five
 * predefined entities and character references are decoded: no billion laughs, no XXE). sax is its lenient
 * ancestor (non-conformant documents pass), xmldom gives element starts but no ends, fast-xml-parser gives no
 * positions, htmlparser2 is an HTML parser that forgives broken XML.
 *
 * The descriptor is hostile: its size, nesting depth and element count are bounded before and while parsing,
 * and a DOCTYPE is refused (no writer puts one there).
 *
 * Positions: `offset` is an index into the JavaScript string (UTF-16 units); `line` and `column` are 1-based
 * (columns in UTF-16 units, which equal characters for the ASCII descriptors writers produce).
 */
import { SaxesParser } from 'saxes';

export interface Pos {
  offset: number;
  line: number;
  column: number;
}

export interface XmlAttribute {
  name: string;
  value: string;
  start: Pos;
}

export interface XmlElement {
  name: string;
  attributes: XmlAttribute[];
  /** The `<` of the start tag. */
  start: Pos;
  /** Just past the `>` of the start tag (for an empty element `<a/>`, past `/>`). */
  openEnd: Pos;
  /** The `<` of the end tag (equals `openEnd` for an empty element). */
  closeStart: Pos;
  /** Just past the end tag. */
  end: Pos;
  children: XmlElement[];
  /** The element's own text (character data between its children), decoded, untrimmed. */
  text: string;
  parent?: XmlElement;
}

export interface XmlLimits {
  /** Characters of the whole document. */
  maxLength: number;
  maxDepth: number;
  maxElements: number;
}

/** Real descriptors are a few KiB with at most 128 images per storage; these bounds are far above that. */
export const DESCRIPTOR_LIMITS: XmlLimits = { maxLength: 4 * 1024 * 1024, maxDepth: 32, maxElements: 100_000 };

export interface XmlError {
  message: string;
  at: Pos;
}

export type XmlResult = { root: XmlElement; error?: undefined } | { root?: undefined; error: XmlError };

/** Parses `text` into a tree, or says where and why it is not well-formed XML (the first error only). */
export function parseXml(text: string, limits: XmlLimits = DESCRIPTOR_LIMITS): XmlResult {
  const positions = new PositionMap(text);
  if (text.length > limits.maxLength) {
    return { error: { message: `the document has ${text.length} characters, more than the ${limits.maxLength} a descriptor may have`, at: positions.at(0) } };
  }
  const builder = new TreeBuilder(positions, limits);
  const parser = new SaxesParser({ position: true });
  builder.attach(parser);
  try {
    parser.write(text).close();
  } catch (e) {
    if (!(e instanceof StopParsing)) throw e;
  }
  return builder.result();
}

/** Thrown from an event handler to stop saxes at the first problem. */
class StopParsing extends Error {}

class TreeBuilder {
  private root: XmlElement | undefined;
  private stack: XmlElement[] = [];
  private lastEnd = 0;
  private elements = 0;
  private error: XmlError | undefined;

  constructor(
    private readonly positions: PositionMap,
    private readonly limits: XmlLimits,
  ) {}

  attach(p: SaxesParser): void {
    // saxes reports, at each event, how far it has read: past the construct, or (for text) one past the `<` that ended it.
    p.on('error', (e) => this.fail(e.message.replace(/^\d+:\d+: /, ''), p.position));
    p.on('doctype', () => this.fail('the descriptor declares a DOCTYPE; no writer does, and DTDs are not read', this.lastEnd));
    p.on('text', (t) => this.onText(t, p.position - 1));
    p.on('cdata', (t) => this.onText(t, p.position));
    p.on('comment', () => (this.lastEnd = p.position));
    p.on('processinginstruction', () => (this.lastEnd = p.position));
    p.on('xmldecl', () => (this.lastEnd = p.position));
    p.on('opentag', (tag) => this.onOpen(tag.name, tag.attributes as Record<string, string>, tag.isSelfClosing, p.position));
    p.on('closetag', (tag) => this.onClose(tag.isSelfClosing, p.position));
  }

  result(): XmlResult {
    if (this.error) return { error: this.error };
    if (!this.root) return { error: { message: 'the document has no root element', at: this.positions.at(this.lastEnd) } };
    return { root: this.root };
  }

  private onText(text: string, end: number): void {
    const top = this.stack[this.stack.length - 1];
    if (top) top.text += text;
    this.lastEnd = end;
  }

  private onOpen(name: string, attributes: Record<string, string>, selfClosing: boolean, end: number): void {
    if (++this.elements > this.limits.maxElements) this.fail(`more than ${this.limits.maxElements} elements`, end);
    if (this.stack.length >= this.limits.maxDepth) this.fail(`elements nested deeper than ${this.limits.maxDepth} levels`, end);
    const start = this.positions.at(this.lastEnd);
    const openEnd = this.positions.at(end);
    const el: XmlElement = {
      name,
      attributes: Object.entries(attributes).map(([n, v]) => ({ name: n, value: v, start })),
      start,
      openEnd,
      closeStart: openEnd,
      end: openEnd,
      children: [],
      text: '',
    };
    const parent = this.stack[this.stack.length - 1];
    if (parent) {
      el.parent = parent;
      parent.children.push(el);
    } else this.root ??= el;
    this.stack.push(el);
    this.lastEnd = end;
    if (selfClosing) this.stack.pop();
  }

  private onClose(selfClosing: boolean, end: number): void {
    if (selfClosing) return;
    const el = this.stack.pop();
    if (el) {
      el.closeStart = this.positions.at(this.lastEnd);
      el.end = this.positions.at(end);
    }
    this.lastEnd = end;
  }

  private fail(message: string, at: number): never {
    this.error ??= { message, at: this.positions.at(at) };
    throw new StopParsing(message);
  }
}

/**
 * Lines and columns of string offsets. saxes reports positions as offsets into the string it was given (UTF-16
 * units, CR LF counted as two), so its counts are used as they are; lines end at LF, CR LF or a lone CR.
 */
export class PositionMap {
  private readonly lineStarts: number[] = [0];

  constructor(private readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) this.lineStarts.push(i + 1);
    }
  }

  /** The position of saxes count `n` (clamped to the text). */
  at(n: number): Pos {
    return this.fromOffset(Math.max(0, Math.min(n, this.text.length)));
  }

  /** The line and column of a string offset. */
  fromOffset(offset: number): Pos {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { offset, line: lo + 1, column: offset - this.lineStarts[lo] + 1 };
  }
}

/** The direct children of `el` named `name`. */
export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}
