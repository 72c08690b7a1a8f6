import { H, H_SIZE } from '../../format/constants';
import type { PlanBuilder } from '../../repair/planBuilder';

/** Drops the whole format extension by clearing ext_off; its cluster becomes unused space. */
export function clearExtOff(plan: PlanBuilder, why: string): void {
  if (!plan.claim('extension-layout')) return;
  plan.write(H.extOff, new Uint8Array(H_SIZE.extOff));
  plan.step(`clear ext_off, dropping the format extension (${why})`);
}
