import type { Range } from 'vscode-languageserver-protocol';
import { offsetToPosition } from '../../shared/protocol';

/** [offset, offset + length) in positions of the 16-bytes-per-line convention, as every test expects them. */
export function byteRange(offset: number, length: number): Range {
  return { start: offsetToPosition(offset), end: offsetToPosition(offset + Math.max(1, length)) };
}
