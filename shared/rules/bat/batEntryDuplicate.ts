import { EntryFlag } from '../../check/batScan';
import { defineRule } from '../rule';
import { entryFindings, relocate, repairEntries } from './entryRule';

export default defineRule({
  code: 'bat-entry-duplicate',
  title: 'Two BAT entries share host bytes',
  severity: 'error',
  category: 'corruption',
  phase: 'bat',
  doc: `Each cluster offset "must be unique among all BAT entries", and more: no two entries' clusters may
overlap at all. When they do, a guest write through one entry changes what the other reads. The later entry is
reported (as qemu-img does) and repaired by copying the shared cluster into a new one, so both guest ranges keep
the bytes they read now and no longer alias.`,
  fix: 'copy the shared cluster into a new cluster (in the leaked tail, a free all-zero hole, or at the end of the file) and point the later entry there',
  check(ctx) {
    return entryFindings(ctx, this, EntryFlag.Duplicate, (p) =>
      p.peer >= 0 ? `overlaps the cluster of BAT entry ${p.peer}` : 'overlaps the cluster of another BAT entry',
    );
  },
  repair(ctx, plan, only) {
    repairEntries(ctx, plan, EntryFlag.Duplicate, only, (p) =>
      relocate(plan, p, p.peer >= 0 ? `it shares host bytes with entry ${p.peer}` : 'it shares host bytes with another entry'),
    );
  },
});
