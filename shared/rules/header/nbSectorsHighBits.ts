import { defineRule } from '../rule';
import { H, H_SIZE } from '../../format/constants';
import { hex } from '../../format/words';

export default defineRule({
  code: 'nb-sectors-high-bits',
  title: 'High half of nb_sectors set in a WithoutFreeSpace image',
  severity: 'warning',
  category: 'warning',
  phase: 'header',
  doc: `For "WithoutFreeSpace" images "only the lowest 4 bytes are used. The highest 4 bytes must be cleared".
Readers disagree on such an image's size: some use 32 bits, some 64. The repair clears the high half, which is the
size the legacy variant defines.`,
  fix: 'clear the high 4 bytes of nb_sectors',
  check(ctx) {
    const h = ctx.image.header;
    if (!ctx.geometry || h.variant !== 'legacy' || h.nbSectorsHigh === 0) return [];
    return [
      ctx.finding(
        this,
        `the high 4 bytes of nb_sectors are ${hex(h.nbSectorsHigh)}; a WithoutFreeSpace image must keep them 0 (its size is the low half, ${h.nbSectorsLow} sectors)`,
        H.nbSectorsHigh,
        H_SIZE.nbSectorsHigh,
      ),
    ];
  },
  repair(_ctx, plan) {
    plan.writeU32(H.nbSectorsHigh, 0);
    plan.step('clear the high 4 bytes of nb_sectors');
  },
});
