import { defineRule } from '../rule';
import { featureName, unknownFeatures } from './unknownFeatures';

export default defineRule({
  code: 'ext-unknown-transit',
  title: 'Unknown TRANSIT feature (kept as is)',
  severity: 'info',
  category: 'info',
  phase: 'extension',
  doc: `A feature section with the TRANSIT flag that this tool does not know: "said extension should be left as is".
hdd-lens keeps it byte for byte through every repair. Nothing to repair.`,
  check(ctx) {
    return unknownFeatures(ctx, 'transit').map((f) => ctx.finding(this, `${featureName(f)} is unknown and marked TRANSIT: kept as is`, f.offset, 16));
  },
});
