import type { CheckContext } from '../../check/context';
import { defineRule } from '../rule';
import { slotOrigin } from '../../check/metadata';
import { H, H_SIZE } from '../../format/constants';
import { clearExtOff } from './clearExtOff';
import { hex } from '../../format/words';

/** Why ext_off cannot address the extension cluster, or undefined if it can. */
export function extOffProblem(ctx: CheckContext): { why: string; partial: boolean } | undefined {
  const g = ctx.geometry;
  if (!g || g.extOffset === 0) return undefined;
  const at = g.extOffset;
  if (at < g.dataOffset) return { why: `points below the data area (${hex(g.dataOffset)})`, partial: false };
  if ((at - slotOrigin(g)) % g.clusterSize !== 0) return { why: 'is not on a cluster boundary of the data area', partial: false };
  if (at >= g.fileSize) return { why: `points past the end of the file (${hex(g.fileSize)})`, partial: false };
  if (at + g.clusterSize > g.fileSize) return { why: `runs past the end of the file (${hex(g.fileSize)})`, partial: true };
  return undefined;
}

export default defineRule({
  code: 'ext-off-invalid',
  title: 'ext_off does not address a cluster of the file',
  severity: 'error',
  category: 'corruption',
  phase: 'extension',
  doc: `ext_off "must meet the same requirements as cluster offsets defined by BAT entries": inside the data
area, on a cluster boundary, inside the file. A bad ext_off makes readers fail (QEMU: "Invalid image: Too big
offset") or read garbage as the extension. When the cluster starts inside the file but is cut short, the repair
completes it with zeros; otherwise it clears ext_off, dropping an extension that cannot be found (its bitmaps are
lost, which is safe: backups then copy everything).`,
  fix: 'complete a cut-short extension cluster with zeros, else clear ext_off',
  check(ctx) {
    const p = extOffProblem(ctx);
    return p ? [ctx.finding(this, `ext_off ${ctx.image.header.extOff} (${hex(ctx.geometry?.extOffset ?? 0)}) ${p.why}`, H.extOff, H_SIZE.extOff)] : [];
  },
  repair(ctx, plan) {
    const p = extOffProblem(ctx);
    const g = ctx.geometry;
    if (!p || !g) return;
    if (p.partial) {
      plan.resize(Math.max(plan.state.size, g.extOffset + g.clusterSize));
      plan.step(`extend the file to ${hex(g.extOffset + g.clusterSize)} to complete the extension cluster`);
      return;
    }
    clearExtOff(plan, `ext_off ${p.why}`);
  },
});
