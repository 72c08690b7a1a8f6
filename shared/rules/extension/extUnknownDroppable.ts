import { defineRule } from '../rule';
import { dropFeature } from '../../repair/extensionEdit';
import { featureName, unknownFeatures } from './unknownFeatures';

export default defineRule({
  code: 'ext-unknown-droppable',
  title: 'Unknown feature without NECESSARY or TRANSIT',
  severity: 'warning',
  category: 'warning',
  phase: 'extension',
  doc: `A feature section this tool does not know, with neither NECESSARY nor TRANSIT set: "the extension should be
dropped" by software that does not know it. The repair removes the section (later sections move up) and stores the
new checksum.`,
  fix: 'drop the unknown feature section',
  check(ctx) {
    return unknownFeatures(ctx, 'droppable').map((f) =>
      ctx.finding(this, `${featureName(f)} is unknown and neither NECESSARY nor TRANSIT: the format says to drop it`, f.offset, 16),
    );
  },
  repair(ctx, plan, only) {
    const f = unknownFeatures(ctx, 'droppable').find((x) => !only || x.offset === only.offset);
    if (f) dropFeature(ctx, plan, f, 'unknown feature without NECESSARY or TRANSIT');
  },
});
