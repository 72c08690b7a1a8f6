import { defineBundleRule } from '../../bundle/rule';

export default defineBundleRule({
  code: 'descriptor-blocksize-invalid',
  title: 'Blocksize is not a power of two from 64 to 131072 sectors',
  severity: 'warning',
  category: 'warning',
  doc: `Storage/Blocksize is the cluster size in 512-byte sectors: 2048 (1 MiB) by default, 512 (256 KiB) from old
prl_convert. ploop requires a power of two from 64 (32 KiB) to 131072 (64 MiB) and refuses other values. The
images are still read with their own cluster sizes. Nothing is repaired.`,
  check(ctx) {
    const d = ctx.bundle.descriptor;
    if (!d) return [];
    return d.storages
      .filter((s) => s.blocksize?.value !== undefined && !usable(s.blocksize.value))
      .map((s) => ctx.at(this, `storage ${s.index}: Blocksize ${s.blocksize?.value} is not a power of two from 64 to 131072`, s.blocksize?.el));
  },
});

function usable(v: number): boolean {
  return v >= 64 && v <= 131072 && (v & (v - 1)) === 0;
}
