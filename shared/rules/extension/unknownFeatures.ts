import type { CheckContext } from '../../check/context';
import { type Feature, extensionMagicOk, isNecessary, isTransit } from '../../format/extension';
import { hex } from '../../format/words';

/** Unknown feature sections by how the spec says to treat them: keep the file, keep the section, drop it. */
export type UnknownKind = 'necessary' | 'transit' | 'droppable';

export function unknownFeatures(ctx: CheckContext, kind: UnknownKind): Feature[] {
  const ext = ctx.image.extension;
  if (!ext || !extensionMagicOk(ext)) return [];
  return ext.features.filter((f) => f.kind === 'unknown' && classify(f) === kind);
}

function classify(f: Feature): UnknownKind {
  return isNecessary(f) ? 'necessary' : isTransit(f) ? 'transit' : 'droppable';
}

export function featureName(f: Feature): string {
  return `feature ${hex(f.magic)} at ${hex(f.offset)}`;
}
