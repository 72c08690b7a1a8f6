import { defineRule } from '../rule';
import { H, H_SIZE, USUAL_CLUSTER_MAX, USUAL_CLUSTER_MIN } from '../../format/constants';
import { size } from '../../format/words';

export default defineRule({
  code: 'cluster-size-unusual',
  title: 'Cluster size is not a power of two from 32 KiB to 64 MiB',
  severity: 'warning',
  category: 'warning',
  phase: 'header',
  doc: `QEMU accepts any cluster size, but ploop and Parallels Desktop require a power of two from 32 KiB to 64 MiB
(older Parallels versions used 63 sectors, 252 and 256 KiB). Such an image works with QEMU and hdd-lens and may
be refused elsewhere. Not repaired: changing the cluster size means rewriting the image ('hdd-lens convert').`,
  check(ctx) {
    const g = ctx.geometry;
    if (!g) return [];
    const c = g.clusterSize;
    const usual = c >= USUAL_CLUSTER_MIN && c <= USUAL_CLUSTER_MAX && (c & (c - 1)) === 0;
    if (usual) return [];
    return [
      ctx.finding(
        this,
        `cluster size is ${size(c)} (${ctx.image.header.tracks} sectors): ploop and Parallels Desktop expect a power of two from 32 KiB to 64 MiB`,
        H.tracks,
        H_SIZE.tracks,
      ),
    ];
  },
});
