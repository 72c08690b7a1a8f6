import { defineRule } from '../rule';
import { H, H_SIZE, MAX_BAT_ENTRIES } from '../../format/constants';
import { geometryBlocker } from '../../format/geometry';

export default defineRule({
  code: 'bat-too-large',
  title: 'BAT too large',
  severity: 'error',
  category: 'corruption',
  phase: 'header',
  doc: `nb_bat_entries above ${MAX_BAT_ENTRIES} (INT32_MAX / 4) makes the BAT larger than 2 GiB; QEMU refuses it
("Catalog too large") and it is almost always damage. hdd-lens reads no BAT from such a header. Not repaired.`,
  check(ctx) {
    const h = ctx.image.header;
    if (geometryBlocker(h) !== 'bat-too-large') return [];
    return [ctx.finding(this, `nb_bat_entries is ${h.batEntries}, more than the ${MAX_BAT_ENTRIES} readers accept`, H.batEntries, H_SIZE.batEntries)];
  },
});
