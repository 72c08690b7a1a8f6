/**
 * The human output of `hdd-lens check`, for readers of `qemu-img check`. Stable: scripts should use --json, but
 * people grep this too. All of it goes to stdout, in this order:
 *
 *   One block per finding, in rule catalogue order:
 *     KIND [code] message
 *         fix (-r MODE): what the repair does            (MODE is "leaks" for leaks, "all" for the rest)
 *     or  no automatic fix: why (from the rule's documentation; `hdd-lens rules CODE` has the whole text)
 *   KIND is ERROR (a corruption), LEAK, WARNING or INFO, after the finding's category. Past 10000 instances of one
 *   rule, the rest are folded into one finding whose message says how many.
 *
 *   Then qemu-img's summary, after a blank line when findings were listed:
 *     No errors were found on the image.                               (no corruption, leak or check error)
 *     N errors were found on the image.
 *     Data may be corrupted, or further writes to the image may corrupt it.
 *     N leaked clusters were found on the image.
 *     This means waste of disk space, but no harm to data.
 *     The check could not complete: the header does not describe a readable Parallels image.
 *     Also found: N warnings and M notes (warnings and notes do not change the exit status).   (ours, if any)
 *     A/T = x.xx% allocated, y.yy% fragmented, 0.00% compressed clusters       (when A and T are not 0)
 *     Image end offset: N                                                      (when not 0)
 *
 * With -r, before the report of the repaired image (as qemu-img):
 *     The following inconsistencies were found and repaired:
 *     <blank>
 *         N leaked clusters
 *         M corruptions
 *     <blank>
 *     Double checking the fixed image now...
 * Each step of the repair is printed to stderr ("Repairing: what it does") before it is written, as qemu-img
 * prints its "Repairing ..." lines to stderr.
 */
import type { CheckReport } from '../shared/ops/check';
import type { FindingReport } from '../shared/check/finding';
import { ruleByCode } from '../shared/rules/imageRules';
import type { Output } from './output';

const KIND: Record<FindingReport['category'], string> = { corruption: 'ERROR', leak: 'LEAK', warning: 'WARNING', info: 'INFO' };

export function printCheckReport(out: Output, r: CheckReport): void {
  for (const f of r.findings) printFinding(out, f);
  if (r.findings.length > 0) out.line();
  printSummary(out, r);
}

/** The finding that says the file is no Parallels image at all (no magic; an empty file), if it is one. */
export function notAnImage(r: CheckReport): FindingReport | undefined {
  return r.checkErrors > 0 ? r.findings.find((f) => f.code === 'bad-magic') : undefined;
}

function printFinding(out: Output, f: FindingReport): void {
  out.line(`${KIND[f.category]} [${f.code}] ${f.message}`);
  out.line(`    ${fixLine(f)}`);
}

function fixLine(f: FindingReport): string {
  if (f.repair !== undefined) return `fix (-r ${f.category === 'leak' ? 'leaks' : 'all'}): ${f.repair}`;
  return `no automatic fix: ${noFixReason(f.code)}`;
}

/** Where a rule's documentation is found: the image rules here; the bundle commands pass the whole catalogue. */
export type RuleDocs = (code: string) => { doc: string } | undefined;

/**
 * Why a rule has no repair, from its documentation: the sentence that talks about repairing ("Nothing is
 * repaired: ..."), else a pointer to the catalogue.
 */
export function noFixReason(code: string, docs: RuleDocs = ruleByCode): string {
  // Once per rule, not per finding: 1000 duplicates spent 90 ms splitting the same documentation.
  let reason = noFixReasons.get(code);
  if (reason === undefined) noFixReasons.set(code, (reason = reasonFromDoc(docs(code)?.doc ?? '', code)));
  return reason;
}

const noFixReasons = new Map<string, string>();

function reasonFromDoc(text: string, code: string): string {
  const doc = text.replace(/\s+/g, ' ');
  const sentence = doc.split(/(?<=[.!])\s+(?=[A-Z'"])/).find((s) => /repair/i.test(s));
  const reason = sentence?.replace(/^(Nothing is repaired|Not repaired)[:.]\s*/, '').trim();
  if (!reason) return `see 'hdd-lens rules ${code}'`;
  return reason.charAt(0).toLowerCase() + reason.slice(1);
}

function printSummary(out: Output, r: CheckReport): void {
  const problems = r.corruptions > 0 || r.leaks > 0 || r.checkErrors > 0;
  if (!problems) out.line('No errors were found on the image.');
  if (r.corruptions > 0) {
    out.line(`${r.corruptions} errors were found on the image.`);
    out.line('Data may be corrupted, or further writes to the image may corrupt it.');
  }
  if (r.leaks > 0) {
    if (r.corruptions > 0) out.line();
    out.line(`${r.leaks} leaked clusters were found on the image.`);
    out.line('This means waste of disk space, but no harm to data.');
  }
  if (r.checkErrors > 0) {
    if (r.corruptions > 0 || r.leaks > 0) out.line();
    out.line('The check could not complete: the header does not describe a readable Parallels image.');
  }
  const notes = [r.warnings > 0 ? plural(r.warnings, 'warning') : '', r.infos > 0 ? plural(r.infos, 'note') : ''].filter((s) => s !== '');
  if (notes.length > 0) out.line(`Also found: ${notes.join(' and ')} (warnings and notes do not change the exit status).`);
  if (r.totalClusters > 0 && r.allocatedClusters > 0) {
    const allocated = fixed2((r.allocatedClusters * 100) / r.totalClusters);
    const fragmented = fixed2((r.fragmentedClusters * 100) / r.allocatedClusters);
    out.line(`${r.allocatedClusters}/${r.totalClusters} = ${allocated}% allocated, ${fragmented}% fragmented, 0.00% compressed clusters`);
  }
  if (r.imageEndOffset > 0) out.line(`Image end offset: ${r.imageEndOffset}`);
}

/** qemu-img's note between the repair and the report of the repaired image. */
export function printRepaired(out: Output, leaksFixed: number, corruptionsFixed: number): void {
  out.line('The following inconsistencies were found and repaired:');
  out.line();
  out.line(`    ${leaksFixed} leaked clusters`);
  out.line(`    ${corruptionsFixed} corruptions`);
  out.line();
  out.line('Double checking the fixed image now...');
}

/**
 * printf("%0.2f"): C rounds the exact binary value half to even (15.625 prints 15.62), where JavaScript's toFixed
 * rounds ties up (15.63). Decide on the exact decimal expansion, which toFixed gives to 40 places.
 */
export function fixed2(x: number): string {
  const exact = x.toFixed(40);
  const point = exact.indexOf('.');
  const kept = exact.slice(0, point + 3);
  const rest = exact.slice(point + 3);
  const half = rest[0] === '5' && /^5?0*$/.test(rest);
  const up = rest[0] > '5' || (rest[0] === '5' && !half) || (half && Number(kept[kept.length - 1]) % 2 === 1);
  if (!up) return kept;
  const cents = Math.round(Number(kept) * 100) + 1;
  return (cents / 100).toFixed(2);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
