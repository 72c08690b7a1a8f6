import type { Field } from '../../bundle/descriptor';
import { defineBundleRule } from '../../bundle/rule';

export default defineBundleRule({
  code: 'descriptor-number-invalid',
  title: 'A descriptor number is not a decimal integer',
  severity: 'error',
  category: 'corruption',
  doc: `Sizes, offsets and geometry in the descriptor (Disk_size, Cylinders, Heads, Sectors, Padding, Start, End,
Blocksize) are decimal integers; whitespace around them is accepted. ploop parses them with strtoul(..., 0), so a
leading 0 would be octal and 0x hex, and it ignores parse errors silently; no writer writes either form. Such a
value is not read one way or the other. Nothing is repaired: the intended number cannot be known.`,
  check(ctx) {
    const d = ctx.bundle.descriptor;
    if (!d) return [];
    const dp = d.diskParameters;
    const fields: Array<Field<number> | undefined> = [dp?.diskSize, dp?.cylinders, dp?.heads, dp?.sectors, dp?.padding];
    for (const s of d.storages) fields.push(s.start, s.end, s.blocksize);
    return fields
      .filter((f): f is Field<number> => f !== undefined && f.value === undefined)
      .map((f) => ctx.at(this, `<${f.el.name}> is "${f.text}", not a decimal integer`, f.el));
  },
});
