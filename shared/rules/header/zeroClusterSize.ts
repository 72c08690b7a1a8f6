import { defineRule } from '../rule';
import { H, H_SIZE } from '../../format/constants';
import { geometryBlocker } from '../../format/geometry';

export default defineRule({
  code: 'zero-cluster-size',
  title: 'Cluster size is zero',
  severity: 'error',
  category: 'corruption',
  phase: 'header',
  doc: `"tracks" is the cluster size in sectors. Zero leaves no way to map guest offsets to BAT entries. QEMU
refuses the image ("Invalid image: Zero sectors per track"). Not repaired: the real cluster size is not recorded
anywhere else.`,
  check(ctx) {
    if (geometryBlocker(ctx.image.header) !== 'zero-cluster') return [];
    return [ctx.finding(this, 'tracks (the cluster size in sectors) is 0', H.tracks, H_SIZE.tracks)];
  },
});
