import { defineRule } from '../rule';
import { H, H_SIZE, MAX_CLUSTER_SECTORS } from '../../format/constants';
import { geometryBlocker } from '../../format/geometry';

export default defineRule({
  code: 'cluster-size-too-large',
  title: 'Cluster size too large',
  severity: 'error',
  category: 'corruption',
  phase: 'header',
  doc: `A cluster of more than ${MAX_CLUSTER_SECTORS} sectors (about 2 GiB) cannot be addressed by 32-bit sector
offsets; QEMU refuses it ("Invalid image: Too big cluster"). Such a value is almost always damage. Not repaired.`,
  check(ctx) {
    const h = ctx.image.header;
    if (geometryBlocker(h) !== 'cluster-too-large') return [];
    return [ctx.finding(this, `tracks is ${h.tracks} sectors, more than the ${MAX_CLUSTER_SECTORS} any reader accepts`, H.tracks, H_SIZE.tracks)];
  },
});
