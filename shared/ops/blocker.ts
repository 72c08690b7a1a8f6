import type { Finding } from '../check/finding';
import { checkDecoded } from '../engine/check';
import type { DecodedImage } from '../format/image';
import { ruleByCode } from '../rules/imageRules';

/** The rule that reports each reason `decodeImage` could not locate the BAT. */
const BLOCKER_RULES: Record<NonNullable<DecodedImage['blocker']>, string> = {
  magic: 'bad-magic',
  version: 'bad-version',
  truncated: 'header-truncated',
  'zero-cluster': 'zero-cluster-size',
  'cluster-too-large': 'cluster-size-too-large',
  'bat-too-large': 'bat-too-large',
};

/**
 * Why an image cannot be read as a Parallels image at all, as the finding of the rule that says so (so that
 * info, map and convert name the same rule and offset as check), or undefined when the header is usable.
 */
export function blockerFinding(image: DecodedImage): Finding | undefined {
  if (image.blocker === undefined) return undefined;
  const rule = ruleByCode(BLOCKER_RULES[image.blocker]);
  const found = rule ? checkDecoded(image, { rules: [rule] }).findings : [];
  return (
    found[0] ?? {
      code: BLOCKER_RULES[image.blocker],
      severity: 'error',
      category: 'corruption',
      message: `not a usable Parallels header (${image.blocker})`,
      offset: 0,
      length: 64,
    }
  );
}

/** An image that cannot be read; the message names the file, the offset and the rule. */
export class ImageError extends Error {
  constructor(
    readonly file: string,
    readonly finding: Finding,
  ) {
    super(`${file}: ${finding.message} (at offset ${finding.offset}, rule ${finding.code})`);
  }
}

/** Throws `ImageError` when the image's header hides the rest of it. */
export function requireReadable(image: DecodedImage): asserts image is DecodedImage & Required<Pick<DecodedImage, 'geometry' | 'bat'>> {
  const f = blockerFinding(image);
  if (f) throw new ImageError(image.source.name, f);
}
