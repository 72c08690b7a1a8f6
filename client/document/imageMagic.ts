import { MAGIC_EXT, MAGIC_LEGACY } from '../../shared/format/constants';

/** Bytes to read from a file to tell whether it is a Parallels image. */
export const MAGIC_LENGTH = 16;

const MAGICS = [MAGIC_LEGACY, MAGIC_EXT].map((m) => Buffer.from(m, 'latin1'));

/**
 * Whether the first bytes of a file are one of the two image magics. Only the signature is compared (nothing is
 * decoded): it decides whether "Reopen With" on a file of any name should offer the image editor's features.
 */
export function hasImageMagic(head: Uint8Array): boolean {
  return head.length >= MAGIC_LENGTH && MAGICS.some((m) => Buffer.compare(m, head.subarray(0, MAGIC_LENGTH)) === 0);
}
