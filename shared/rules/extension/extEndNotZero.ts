import type { CheckContext } from '../../check/context';
import { defineRule } from '../rule';
import { FEATURE_HEADER, FEATURE_HEADER_SIZE } from '../../format/extensionLayout';
import { type Feature, extensionMagicOk } from '../../format/extension';
import { writeEnd } from '../../repair/extensionEdit';
import { hex } from '../../format/words';

/** The End-of-features section when one of its fields (flags, data_size, unused32) is not 0, with what is set. */
export function endNotZero(ctx: CheckContext): { end: Feature; set: string[] } | undefined {
  const ext = ctx.image.extension;
  if (!ext || !extensionMagicOk(ext) || !ext.endFound) return undefined;
  const end = ext.features[ext.features.length - 1];
  const unused = end.unused;
  const set = [
    end.flags !== 0n ? `flags ${hex(end.flags)}` : '',
    end.dataSize !== 0 ? `data_size ${end.dataSize}` : '',
    unused !== 0 ? `unused32 ${hex(unused)}` : '',
  ].filter((s) => s !== '');
  return set.length > 0 ? { end, set } : undefined;
}

export default defineRule({
  code: 'ext-end-not-zero',
  title: 'End-of-features section has fields that are not 0',
  severity: 'error',
  category: 'corruption',
  phase: 'extension',
  doc: `"The last extension must be "End of features" with all the fields set to 0": its magic is 0, and so must be
its flags, data_size and unused32. Set bits there are damage, not a NECESSARY or TRANSIT request: the End section is
no feature (hdd-lens never reports it as NECESSARY). QEMU refuses such an image ("Flags for extension feature are
unsupported"). The repair sets the End section's fields to 0 and stores the new checksum; nothing else moves.`,
  fix: "set the End-of-features section's fields to 0",
  check(ctx) {
    const found = endNotZero(ctx);
    if (!found) return [];
    return [
      ctx.finding(
        this,
        `the End-of-features section at ${hex(found.end.offset)} has ${found.set.join(', ')} (all its fields must be 0)`,
        found.end.offset + FEATURE_HEADER.flags.offset,
        FEATURE_HEADER_SIZE - FEATURE_HEADER.flags.offset,
      ),
    ];
  },
  repair(ctx, plan) {
    const found = endNotZero(ctx);
    if (found) writeEnd(ctx, plan, found.end.offset, `its ${found.set.join(', ')} were not 0`);
  },
});
