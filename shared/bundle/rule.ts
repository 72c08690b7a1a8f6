/**
 * Bundle rules: checks of a descriptor against itself and against the images it names (notes §9.1), in the same
 * catalogue as the image rules (stable codes, a documentation string, a fix where one is safe). Their findings
 * say which file they are about and, in the descriptor, the line and column of the element at fault.
 */
import type { Finding } from '../check/finding';
import type { RuleInfo } from '../check/ruleInfo';
import type { Bundle, BundleImage } from './bundle';
import type { XmlElement } from './xml';

/** A bundle rule's catalogue entry: an image rule's, without the repair phase (descriptor fixes are text edits). */
export type BundleRuleInfo = Omit<RuleInfo, 'phase'>;

/** A replacement of the descriptor's text [start, end) (string offsets) by `text`. */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

export interface BundleRule extends BundleRuleInfo {
  check(ctx: BundleContext): BundleFinding[];
  /** The descriptor edits that repair every instance, computed from the bundle as read (never writes). */
  edits?(ctx: BundleContext): TextEdit[];
}

export function defineBundleRule(rule: BundleRule): BundleRule {
  return rule;
}

/** A finding with the file it is about; in the descriptor also its 1-based line and column. */
export interface BundleFinding extends Finding {
  file: string;
  line?: number;
  column?: number;
  /** In the descriptor: the element's range as string offsets (for editors; not part of the report). */
  textStart?: number;
  textEnd?: number;
}

export class BundleContext {
  constructor(readonly bundle: Bundle) {}

  /** A finding at a descriptor element (or at the root when the element is missing). */
  at(rule: BundleRuleInfo, message: string, el: XmlElement | undefined, extra: Partial<Finding> = {}): BundleFinding {
    const b = this.bundle;
    const start = el?.start ?? b.descriptor?.root.start ?? b.positions.fromOffset(0);
    const endOffset = el ? el.end.offset : start.offset;
    const offset = Buffer.byteLength(b.text.slice(0, start.offset), 'utf8');
    const length = Buffer.byteLength(b.text.slice(start.offset, endOffset), 'utf8');
    return {
      ...this.base(rule, message, offset, length, extra),
      file: b.descriptorPath,
      line: start.line,
      column: start.column,
      textStart: start.offset,
      textEnd: endOffset,
    };
  }

  /** A finding about bytes of an image file. */
  inImage(rule: BundleRuleInfo, message: string, img: BundleImage, offset: number, length: number): BundleFinding {
    return { ...this.base(rule, message, offset, length, {}), file: img.file?.path ?? this.bundle.descriptorPath };
  }

  /** A finding about a file of the folder as a whole. */
  inFile(rule: BundleRuleInfo, message: string, path: string): BundleFinding {
    return { ...this.base(rule, message, 0, 0, {}), file: path };
  }

  /** The images of the active chain in storage `k`, top first (missing ones left out). */
  chainImages(k: number): BundleImage[] {
    const m = this.bundle.images[k];
    if (!m) return [];
    return this.bundle.chain.guids.map((g) => m.get(g)).filter((i): i is BundleImage => i !== undefined);
  }

  private base(rule: BundleRuleInfo, message: string, offset: number, length: number, extra: Partial<Finding>): Finding {
    const f: Finding = { code: rule.code, severity: rule.severity, category: rule.category, message, offset, length, ...extra };
    if (rule.fix !== undefined && !('repair' in extra)) {
      f.repair = rule.fix;
      f.repairMode = 'all';
    }
    return f;
  }
}
