import { ByteSource } from '../io/byteSource';
import { DecodedImage, decodeImage } from '../format/image';
import { RULES } from '../rules/catalogue';
import { CheckContext } from '../check/context';
import { Finding } from '../check/finding';
import { Rule } from '../rules/rule';

export interface CheckOptions {
  /** Codes of rules not to run. */
  ignore?: readonly string[];
  findingLimit?: number;
  rules?: readonly Rule[];
}

export interface CheckResult {
  image: DecodedImage;
  context: CheckContext;
  findings: Finding[];
}

/** Runs every rule of the catalogue on an image; findings come in catalogue order, then by offset. */
export function checkImage(source: ByteSource, options: CheckOptions = {}): CheckResult {
  const image = decodeImage(source);
  const context = new CheckContext(image, options.findingLimit);
  return { image, context, findings: applyRules(context, options) };
}

export function applyRules(context: CheckContext, options: CheckOptions = {}): Finding[] {
  const ignore = new Set(options.ignore ?? []);
  const findings: Finding[] = [];
  for (const rule of options.rules ?? RULES) {
    if (ignore.has(rule.code)) continue;
    for (const f of rule.check(context)) findings.push(f);
  }
  return findings;
}
