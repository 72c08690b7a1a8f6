import { ByteSource } from '../io/byteSource';
import { DecodedImage, decodeImage } from '../format/image';
import { RULES } from '../rules/catalogue';
import { CheckContext } from './context';
import { Finding } from './finding';
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
  return { image, context, findings: runRules(context, options) };
}

export function runRules(context: CheckContext, options: CheckOptions = {}): Finding[] {
  const ignore = new Set(options.ignore ?? []);
  const findings: Finding[] = [];
  for (const rule of options.rules ?? RULES) {
    if (ignore.has(rule.code)) continue;
    for (const f of rule.check(context)) findings.push(f);
  }
  return findings;
}

export interface Counts {
  corruptions: number;
  leaks: number;
  warnings: number;
  infos: number;
}

/** Counts instances (a summary finding counts for all it stands for). */
export function countFindings(findings: readonly Finding[]): Counts {
  const c: Counts = { corruptions: 0, leaks: 0, warnings: 0, infos: 0 };
  for (const f of findings) {
    const n = f.count ?? 1;
    if (f.category === 'corruption') c.corruptions += n;
    else if (f.category === 'leak') c.leaks += n;
    else if (f.category === 'warning') c.warnings += n;
    else c.infos += n;
  }
  return c;
}
