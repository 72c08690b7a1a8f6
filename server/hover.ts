import { hex } from '../shared/format/le';
import { ruleByCode } from '../shared/rules/catalogue';
import { RULE_DOC_BASE } from '../shared/protocol';
import type { ByteInfo } from './inspect';

/**
 * A byte's hover as Markdown: the field (name, path, bytes, decoded value, what the format requires), where data
 * bytes go in the guest, then each finding on the field with its rule's explanation and repair.
 */
export function hoverMarkdown(info: ByteInfo, offset: number): string {
  const f = info.field;
  const out: string[] = [];
  out.push(`**${escape(f.name)}** \`${f.path}\``);
  out.push(`Byte ${hex(offset)} · field ${hex(f.offset)}-${hex(f.offset + Math.max(1, f.size) - 1)} (${f.size} bytes, ${f.region})`);
  if (f.value) out.push(`Value: ${escape(f.value)}`);
  if (f.requirement) out.push(`Format: ${escape(f.requirement)}`);
  if (info.guest.length > 0) {
    const where = info.guest.map((g) => `guest ${hex(g.guestOffset)} (BAT entry ${g.batIndex})`).join(', ');
    out.push(`This byte backs ${where}.`);
  }
  if (info.checking) out.push('_The image is still being checked: findings will follow._');
  for (const s of info.findings) {
    const rule = ruleByCode(s.code);
    const lines = [`**${s.shown.toUpperCase()}** \`${s.code}\`: ${escape(s.message)}`];
    if (rule) lines.push(`${escape(rule.title)}. ${escape(rule.doc.replace(/\s*\n\s*/g, ' '))} [More](${RULE_DOC_BASE}${s.code})`);
    if (s.repair) lines.push(`Repair: ${escape(s.repair)}`);
    out.push('---', lines.join('\n\n'));
  }
  return out.join('\n\n');
}

/** Escapes what Markdown would read as markup in engine text (messages quote "magic" strings, paths, asterisks). */
function escape(text: string): string {
  return text.replace(/([\\`*_[\]<>#|])/g, '\\$1');
}
