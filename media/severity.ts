/** Severity icons shared by the card, the problems list and the tree. */
import type { Severity } from '../shared/check/finding';
import { icon } from './icons';

export function severityIcon(s: Severity): HTMLElement {
  return icon(s, s, `sev sev-${s}`);
}
