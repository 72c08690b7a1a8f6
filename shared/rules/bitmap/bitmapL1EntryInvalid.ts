import { defineRule } from '../rule';
import { L1_ENTRY_SIZE } from '../../format/extensionLayout';
import { u64Bytes } from '../../format/le';
import { storeChecksum } from '../../repair/extensionEdit';
import { badEntries } from '../../check/bitmapEntries';

export default defineRule({
  code: 'bitmap-l1-entry-invalid',
  title: 'Dirty bitmap L1 entry points to an impossible cluster',
  severity: 'error',
  category: 'corruption',
  phase: 'extension',
  doc: `An L1 entry other than 0 (all clean) or 1 (all dirty) is the sector offset of one bitmap data cluster,
which must meet the same requirements as data clusters: inside the file and data area, on a cluster boundary,
used by nothing else. A bad entry gives the bitmap random bits. The repair sets it to 1, "all dirty": never to 0,
since a wrong "clean" makes backups miss changed data.`,
  fix: 'set the L1 entry to 1 (all dirty)',
  check(ctx) {
    return badEntries(ctx).map((e) => ctx.finding(this, `${e.what} ${e.why}`, e.at, L1_ENTRY_SIZE));
  },
  repair(ctx, plan, only) {
    const bad = badEntries(ctx).filter((e) => !only || e.at === only.offset);
    for (const e of bad) {
      plan.write(e.at, u64Bytes(1));
      plan.step(`set ${e.what} to 1 (all dirty)`);
    }
    if (bad.length > 0) storeChecksum(ctx, plan);
  },
});
