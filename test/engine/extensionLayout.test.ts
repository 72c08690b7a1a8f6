import assert from 'node:assert/strict';
import {
  BITMAP_HEADER,
  BITMAP_HEADER_SIZE,
  EXT_HEADER,
  EXT_HEADER_SIZE,
  FEATURE_HEADER,
  FEATURE_HEADER_SIZE,
  type StructField,
} from '../../shared/format/extensionLayout';

/** The format extension's structure tables that the decoder, the descriptions and the rules' ranges derive from. */
describe('format extension tables (shared/format/extensionLayout.ts)', () => {
  const tiles = (fields: Record<string, StructField>): number => {
    let end = 0;
    for (const [key, f] of Object.entries(fields)) {
      assert.equal(f.offset, end, `${key} starts at ${f.offset}, the previous field ends at ${end}`);
      end = f.offset + f.size;
    }
    return end;
  };

  it('lays every structure out field after field, as long as the spec says', () => {
    assert.equal(tiles(EXT_HEADER), 24);
    assert.equal(tiles(FEATURE_HEADER), 24);
    assert.equal(tiles(BITMAP_HEADER), 32);
    assert.deepEqual([EXT_HEADER_SIZE, FEATURE_HEADER_SIZE, BITMAP_HEADER_SIZE], [24, 24, 32]);
  });
});
