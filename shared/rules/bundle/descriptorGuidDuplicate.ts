import type { Field } from '../../bundle/descriptor';
import { type BundleContext, type BundleFinding, type BundleRuleInfo, defineBundleRule } from '../../bundle/rule';

export default defineBundleRule({
  code: 'descriptor-guid-duplicate',
  title: 'A GUID is used twice',
  severity: 'error',
  category: 'corruption',
  doc: `Every Shot has its own GUID, and within one Storage every Image has its own GUID (each storage holds one
image per snapshot). With a duplicate, which image or parent a GUID means is ambiguous; hdd-lens uses the first
and reports the others. Nothing is repaired: which one is meant cannot be told.`,
  check(ctx) {
    const d = ctx.bundle.descriptor;
    if (!d) return [];
    const out = duplicates(
      ctx,
      this,
      d.shots.map((s) => s.guid),
      'Shot',
    );
    for (const s of d.storages)
      out.push(
        ...duplicates(
          ctx,
          this,
          s.images.map((i) => i.guid),
          `Image of storage ${s.index} with`,
        ),
      );
    return out;
  },
});

function duplicates(ctx: BundleContext, rule: BundleRuleInfo, fields: Array<Field<string> | undefined>, what: string): BundleFinding[] {
  const seen = new Set<string>();
  const out: BundleFinding[] = [];
  for (const f of fields) {
    if (f?.value === undefined) continue;
    if (seen.has(f.value)) out.push(ctx.at(rule, `duplicate ${what} GUID ${f.value}`, f.el));
    seen.add(f.value);
  }
  return out;
}
