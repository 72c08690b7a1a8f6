import type { BundleRuleInfo as Rule } from '../../shared/bundle/rule';
import { CATALOGUE, catalogueEntry } from '../../shared/rules/catalogue';
import { UsageError, flag, parseCommand } from '../args';
import { printUsage } from '../help';
import { stdout } from '../output';
import { commandMain } from '../execute';

/** The rules catalogue: a table, one rule in full, JSON, or the README's Markdown section. */
export function runRules(argv: string[]): number {
  const p = parseCommand('rules', argv, { json: { type: 'boolean' }, markdown: { type: 'boolean' } }, { min: 0, max: 1, names: 'CODE' });
  if (flag(p, 'help')) return printUsage('rules');
  if (flag(p, 'json') && flag(p, 'markdown')) throw new UsageError('--json and --markdown exclude each other', 'rules');
  const code = p.positionals[0];
  const rule = code === undefined ? undefined : catalogueEntry(code);
  if (code !== undefined && !rule) throw new UsageError(`no rule '${code}' (see 'hdd-lens rules')`, 'rules');
  const rules = rule ? [rule] : CATALOGUE;
  if (flag(p, 'json')) stdout.line(JSON.stringify(rule ? ruleJson(rule) : rules.map(ruleJson), null, 2));
  else if (flag(p, 'markdown')) printMarkdown(rules);
  else if (rule) printRule(rule);
  else printTable(rules);
  return 0;
}

export interface RuleJson {
  code: string;
  severity: string;
  category: string;
  title: string;
  doc: string;
  /** What `check -r` does about it, or null when it has no repair. */
  fix: string | null;
}

function ruleJson(r: Rule): RuleJson {
  return { code: r.code, severity: r.severity, category: r.category, title: r.title, doc: prose(r.doc), fix: r.fix ?? null };
}

/** Rule docs are wrapped in the source; as text they are one paragraph. */
function prose(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function printTable(rules: readonly Rule[]): void {
  const width = Math.max(...rules.map((r) => r.code.length));
  for (const r of rules) {
    stdout.line(`${r.code.padEnd(width)}  ${r.severity.padEnd(7)}  ${r.category.padEnd(10)}  ${r.title}${r.fix ? '' : ' (no repair)'}`);
  }
  stdout.line();
  stdout.line(`${rules.length} rules; 'hdd-lens rules CODE' explains one.`);
}

function printRule(r: Rule): void {
  stdout.line(`${r.code}: ${r.title}`);
  stdout.line(`severity ${r.severity}, category ${r.category}`);
  stdout.line();
  stdout.line(prose(r.doc));
  stdout.line();
  stdout.line(r.fix ? `Repair (check -r ${r.category === 'leak' ? 'leaks' : 'all'}): ${r.fix}` : 'No automatic repair.');
}

/**
 * The README's rules section: a table of every rule, then each rule's documentation. Generated from the code (by
 * scripts/catalogue.mjs through this command), so it cannot drift from what the checker does.
 */
function printMarkdown(rules: readonly Rule[]): void {
  stdout.line('| Code | Severity | Category | Problem | Repair (`check -r`) |');
  stdout.line('|---|---|---|---|---|');
  for (const r of rules) {
    const repair = r.fix ? `\`-r ${r.category === 'leak' ? 'leaks' : 'all'}\`: ${md(r.fix)}` : 'none';
    stdout.line(`| [\`${r.code}\`](#${r.code}) | ${r.severity} | ${r.category} | ${md(r.title)} | ${repair} |`);
  }
  for (const r of rules) {
    stdout.line();
    stdout.line(`#### ${r.code}`);
    stdout.line();
    stdout.line(`${md(prose(r.doc))}`);
  }
}

/** Text as Markdown: table bars escaped, and `<` too, so that `<TopGUID>` reads as text, not as an HTML tag. */
function md(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/</g, '&lt;');
}

/** The entry point the dispatcher loads (dist/commands/rules.js). */
export const main = commandMain(runRules);
