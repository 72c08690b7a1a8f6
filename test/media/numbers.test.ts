import assert from 'node:assert/strict';
import { validate } from '../../media/fieldEditor';
import { maxUnsigned, parseNumber, parseOffset, readLE, sizeText, toLE } from '../../media/numbers';

describe('webview number parsing and little-endian values', () => {
  it('parses decimal, hex, binary, separators and size suffixes', () => {
    const v = (t: string): bigint | string => {
      const p = parseNumber(t);
      return 'value' in p ? p.value : p.error;
    };
    assert.equal(v('4096'), 4096n);
    assert.equal(v(' 0x1A2b '), 0x1a2bn);
    assert.equal(v('0b101'), 5n);
    assert.equal(v('1_000_000'), 1000000n);
    assert.equal(v('64K'), 65536n);
    assert.equal(v('1 TiB'), 1n << 40n);
    assert.equal(v('3m'), 3n << 20n);
    assert.equal(v('0xFFFFFFFFFFFFFFFF'), (1n << 64n) - 1n);
    for (const bad of ['', 'abc', '12x', '0x', '-1', '1.5', '0x10K']) assert.equal(typeof v(bad), 'string', bad);
  });

  it('bounds offsets by the file size', () => {
    assert.deepEqual(parseOffset('0x3f', 64), { value: 63 });
    const past = parseOffset('64', 64);
    assert.ok('error' in past && /past the end/.test(past.error));
  });

  it('round-trips little-endian values of every width, up to 2^64-1', () => {
    for (const width of [1, 2, 4, 8]) {
      for (const value of [0n, 1n, 0x1234n & maxUnsigned(width), maxUnsigned(width)]) {
        const bytes = toLE(value, width);
        assert.equal(bytes.length, width);
        assert.equal(readLE((o) => bytes[o - 100], 100, width), value);
      }
    }
    assert.deepEqual([...toLE(0x0a0b0c0dn, 4)], [0x0d, 0x0c, 0x0b, 0x0a]);
    assert.equal(readLE(() => undefined, 0, 4), undefined, 'a byte not loaded gives no value');
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
