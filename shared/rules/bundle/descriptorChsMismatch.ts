import { defineBundleRule } from '../../bundle/rule';

export default defineBundleRule({
  code: 'descriptor-chs-mismatch',
  title: 'Cylinders x Heads x Sectors differs from Disk_size',
  severity: 'warning',
  category: 'warning',
  doc: `QEMU's description of the descriptor says the product of Cylinders, Heads and Sectors must equal Disk_size.
Parallels Desktop writes 16 heads and 32 sectors with Cylinders = Disk_size / 512; ploop computes Sectors by an
integer division, so odd sizes can break the product. The guest's BIOS geometry comes from these values (a user
made a converted disk boot by editing them), the data does not. Nothing is repaired: which value is meant cannot
be told.`,
  check(ctx) {
    const dp = ctx.bundle.descriptor?.diskParameters;
    const [c, h, s, size] = [dp?.cylinders?.value, dp?.heads?.value, dp?.sectors?.value, dp?.diskSize?.value];
    if (!dp || c === undefined || h === undefined || s === undefined || size === undefined || c * h * s === size) return [];
    return [ctx.at(this, `Cylinders ${c} x Heads ${h} x Sectors ${s} = ${c * h * s}, but Disk_size is ${size}`, dp.cylinders?.el)];
  },
});
