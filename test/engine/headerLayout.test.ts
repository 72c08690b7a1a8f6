import assert from 'node:assert/strict';
import { HEADER_SIZE, MAGIC_LEGACY } from '../../shared/format/constants';
import { decodeHeader, encodeHeader } from '../../shared/format/header';
import { HEADER_FIELDS, STORED_HEADER_FIELDS } from '../../shared/format/headerLayout';
import { headerFields } from '../../shared/describe/headerFields';
import { BufferSource } from '../../shared/io/byteSource';

/** The header field table that the decoder, the encoder, `H` and the descriptions derive from. */
describe('header field table (shared/format/headerLayout.ts)', () => {
  it('stores every header byte in exactly one field, in offset order', () => {
    let end = 0;
    for (const f of STORED_HEADER_FIELDS) {
      assert.equal(f.offset, end, `${f.key} starts at ${f.offset}, the previous field ends at ${end}`);
      end = f.offset + f.size;
    }
    assert.equal(end, HEADER_SIZE);
  });

  it('reads the halves of nb_sectors from the bytes of its whole field', () => {
    const halves = HEADER_FIELDS.filter((f) => 'view' in f && f.view === 'legacyHalf');
    assert.deepEqual(
      halves.map((f) => [f.offset, f.size]),
      [
        [36, 4],
        [40, 4],
      ],
    );
  });

  it('decodes what it encodes, field by field', () => {
    const values = {
      magic: MAGIC_LEGACY,
      version: 2,
      heads: 3,
      cylinders: 5,
      tracks: 7,
      batEntries: 11,
      nbSectors: 0x0000000d_00000013,
      inUse: 17,
      dataOff: 19,
      flags: 23,
      extOff: 2 ** 40 + 29,
    };
    const h = decodeHeader(new BufferSource(Buffer.from(encodeHeader(values))));
    assert.deepEqual(h, { ...values, variant: 'legacy', nbSectorsLow: 0x13, nbSectorsHigh: 0x0d, bytesPresent: HEADER_SIZE });
  });

  it('describes the nb_sectors view of the image variant', () => {
    const bytes = encodeHeader({
      magic: MAGIC_LEGACY,
      version: 2,
      heads: 0,
      cylinders: 0,
      tracks: 8,
      batEntries: 1,
      nbSectors: 8,
      inUse: 0,
      dataOff: 0,
      flags: 0,
      extOff: 0,
    });
    const legacy = decodeHeader(new BufferSource(Buffer.from(bytes)));
    const paths = (h: typeof legacy): string[] => headerFields(h).map((f) => `${f.path}@${f.offset}+${f.size}`);
    assert.deepEqual(paths(legacy).slice(6, 8), ['header.nb_sectors@36+4', 'header.nb_sectors_high@40+4']);
    assert.deepEqual(paths({ ...legacy, magic: 'x', variant: undefined }).slice(6, 7), ['header.nb_sectors@36+8']);
    assert.equal(headerFields(legacy).length, 12);
  });
});
