import { defineBundleRule, type BundleFinding } from '../../bundle/rule';

export default defineBundleRule({
  code: 'descriptor-storage-layout',
  title: 'Storages do not cover the disk contiguously',
  severity: 'error',
  category: 'corruption',
  doc: `Each Storage covers guest sectors [Start, End) (End exclusive, 512-byte sectors); the first starts at 0, each
starts where the previous one ends, and Start < End. A split disk with a gap or an overlap has guest sectors that
no image or two images hold, so the guest disk cannot be read. Nothing is repaired: which piece is wrong cannot be
told from the descriptor.`,
  check(ctx) {
    const d = ctx.bundle.descriptor;
    if (!d) return [];
    const out: BundleFinding[] = [];
    let expected = 0;
    for (const s of d.storages) {
      const start = s.start?.value;
      const end = s.end?.value;
      if (start === undefined || end === undefined) return out;
      if (start !== expected) out.push(ctx.at(this, `storage ${s.index} starts at sector ${start}, expected ${expected}`, s.start?.el));
      if (end <= start) out.push(ctx.at(this, `storage ${s.index} ends at sector ${end}, not after its start ${start}`, s.end?.el));
      expected = end;
    }
    return out;
  },
});
