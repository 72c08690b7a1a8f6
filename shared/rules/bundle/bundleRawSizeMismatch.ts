import { allImages } from '../../bundle/bundle';
import { defineBundleRule } from '../../bundle/rule';

export default defineBundleRule({
  code: 'bundle-raw-size-mismatch',
  title: 'A raw base is not as large as its storage, or not a multiple of Blocksize',
  severity: 'warning',
  category: 'warning',
  doc: `A Plain (raw) base holds sector s of its storage at byte s x 512, so its length is (End - Start) x 512
bytes; ploop also requires a multiple of Blocksize. A shorter file reads as zeros past its end, a longer one has
bytes no guest sees. Nothing is repaired.`,
  check(ctx) {
    const storages = ctx.bundle.descriptor?.storages ?? [];
    return allImages(ctx.bundle)
      .filter((i) => i.kind === 'raw' && i.file)
      .flatMap((i) => {
        const s = storages[i.storage];
        const want = s?.start?.value !== undefined && s.end?.value !== undefined ? (s.end.value - s.start.value) * 512 : undefined;
        const bs = s?.blocksize?.value;
        const size = i.file?.size ?? 0;
        const why = [];
        if (want !== undefined && size !== want) why.push(`${size} bytes where the storage needs ${want}`);
        if (bs !== undefined && bs > 0 && size % (bs * 512) !== 0) why.push(`not a multiple of Blocksize (${bs * 512} bytes)`);
        return why.length === 0 ? [] : [ctx.inFile(this, `storage ${i.storage}: raw ${i.entry.file?.text}: ${why.join('; ')}`, i.file?.path ?? '')];
      });
  },
});
