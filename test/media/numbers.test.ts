import assert from 'node:assert/strict';
import { validate } from '../../media/fieldEditor';
import { maxUnsigned, parseOffset, readLE, sizeText, toLE } from '../../media/numbers';

describe('webview offsets and little-endian values', () => {
  it('bounds offsets by the file size', () => {
    assert.deepEqual(parseOffset('0x3f', 64), { value: 63 });
    assert.deepEqual(parseOffset('10h', 64), { value: 16 }, 'the shared syntax, hex with a trailing h too');
    const past = parseOffset('64', 64);
    assert.ok('error' in past && /past the end/.test(past.error));
  });

  it('round-trips little-endian values of every width, up to 2^64-1', () => {
    for (const width of [1, 2, 4, 8]) {
      for (const value of [0n, 1n, 0x1234n & maxUnsigned(width), maxUnsigned(width)]) {
        const bytes = toLE(value, width);
        assert.equal(bytes.length, width);
        assert.equal(
          readLE((o) => bytes[o - 100], 100, width),
          value,
        );
      }
    }
    assert.deepEqual([...toLE(0x0a0b0c0dn, 4)], [0x0d, 0x0c, 0x0b, 0x0a]);
    assert.equal(
      readLE(() => undefined, 0, 4),
      undefined,
      'a byte not loaded gives no value',
    );
  });

  it('validates a field value against its width before it is committed', () => {
    const ok = validate('0x80', 4);
    assert.ok('bytes' in ok);
    assert.deepEqual([...ok.bytes], [0x80, 0, 0, 0]);
    const big = validate('4294967296', 4);
    assert.ok('error' in big && /at most 4294967295/.test(big.error));
    assert.ok('error' in validate('ten', 8));
    assert.ok('bytes' in validate('18446744073709551615', 8));
  });

  it('names sizes in binary units', () => {
    assert.equal(sizeText(512), '512 B');
    assert.equal(sizeText(65536), '64 KiB');
    assert.equal(sizeText(1099578802176), '1.0 TiB');
  });
});
