import type { CheckContext } from '../../check/context';
import { H, SECTOR } from '../../format/constants';
import type { PlanBuilder } from '../../repair/planBuilder';
import { hex } from '../../format/words';

/**
 * Writes data_off = the data offset the geometry judges entries against (the smallest valid one, or where the
 * entries put the data area), once per pass. A file that ends before that data area gets the zero padding it
 * lacks, as qemu-img create leaves a new image (the planner refuses growth out of proportion to the file).
 */
export function setDataOffset(ctx: CheckContext, plan: PlanBuilder, why: string): void {
  const g = ctx.geometry;
  if (!g || !plan.claim('header:dataOff')) return;
  plan.writeU32(H.dataOff, g.dataOffset / SECTOR);
  plan.step(`set data_off to ${g.dataOffset / SECTOR} sectors (${hex(g.dataOffset)}), ${why}`);
  if (plan.state.size < g.dataOffset) {
    plan.resize(g.dataOffset);
    plan.step(`extend the file with zeros to ${hex(g.dataOffset)}, where the data area starts`);
  }
}
