import { defineBundleRule } from '../../bundle/rule';

export default defineBundleRule({
  code: 'descriptor-padding-nonzero',
  title: 'Padding is not 0',
  severity: 'error',
  category: 'corruption',
  doc: `Padding must be 0. Parallels made "padded" disks for Windows XP/2000/2003 guests as an alignment
optimisation, and their layout is undocumented (probably guest sector 0 shifted inside the image); QEMU's
description says software should neither open nor create them. hdd-lens checks such a bundle but refuses to
convert it (the guest disk it would write could be shifted). Nothing is repaired.`,
  check(ctx) {
    const p = ctx.bundle.descriptor?.diskParameters?.padding;
    if (!p || p.value === undefined || p.value === 0) return [];
    return [ctx.at(this, `Padding=${p.value}: the layout of padded disks is undocumented; the bundle is not converted`, p.el)];
  },
});
