/**
 * The engine's entry: the one place that puts decode, BAT, scan and rules together (the streamed check is in
 * streamed.ts, the language server's checked states with their index in checked.ts, planning in repair.ts). Front
 * ends (the CLI's ops, the server, its worker, the bundle check) call these and never assemble the pipeline
 * themselves, so a new source of images (a chain of snapshots) or a new rule family plugs in here once.
 */
import type { ByteSource } from '../io/byteSource';
import { type DecodedImage, decodeImage } from '../format/image';
import type { BatScan } from '../check/batScan';
import { CheckContext } from '../check/context';
import type { Finding } from '../check/finding';
import { RULES } from '../rules/imageRules';
import type { Rule } from '../rules/rule';

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
  return checkDecoded(decodeImage(source), options);
}

/**
 * Runs the rules on an image decoded elsewhere, with its BAT; `scan` is a BAT scan of it made elsewhere (the
 * server's worker, a streamed read, kept current by edits), else the scan runs here when a rule first needs it.
 */
export function checkDecoded(image: DecodedImage, options: CheckOptions & { scan?: BatScan } = {}): CheckResult {
  const context = new CheckContext(image, options.findingLimit, options.scan);
  return { image, context, findings: applyRules(context, options) };
}

/** Runs the rules (all of the catalogue, or `options.rules`, less the ignored) on a context. */
export function applyRules(context: CheckContext, options: CheckOptions = {}): Finding[] {
  const ignore = new Set(options.ignore ?? []);
  const findings: Finding[] = [];
  for (const rule of options.rules ?? RULES) {
    if (ignore.has(rule.code)) continue;
    for (const f of rule.check(context)) findings.push(f);
  }
  return findings;
}
