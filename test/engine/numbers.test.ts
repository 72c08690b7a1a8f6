import assert from 'node:assert/strict';
import { parseInteger, parseNumber } from '../../shared/numbers';

/** The one number syntax of every go-to and field value (the command palette, the webview's go-to box and editor). */
describe('number syntax (shared/numbers.ts)', () => {
  const v = (t: string): bigint | string => {
    const p = parseNumber(t);
    return 'value' in p ? p.value : p.error;
  };

  it('parses decimal, 0x hex, 0b binary and separators', () => {
    assert.equal(v('4096'), 4096n);
    assert.equal(v(' 0x1A2b '), 0x1a2bn);
    assert.equal(v('0b101'), 5n);
    assert.equal(v('1_000_000'), 1000000n);
    assert.equal(v('1 000'), 1000n);
    assert.equal(v('0xFFFFFFFFFFFFFFFF'), (1n << 64n) - 1n);
  });

  it('takes hex with a trailing h, as the command palette did', () => {
    assert.equal(v('10h'), 16n);
    assert.equal(v('1A2Bh'), 0x1a2bn);
    assert.equal(v('ffff_ffffH'), 0xffffffffn);
    assert.equal(v('10 h'), 16n);
  });

  it('takes binary size suffixes on decimal numbers, as the webview did', () => {
    assert.equal(v('64k'), 65536n);
    assert.equal(v('64K'), 65536n);
    assert.equal(v('1 TiB'), 1n << 40n);
    assert.equal(v('3m'), 3n << 20n);
    assert.equal(v('2GB'), 2n << 30n);
    assert.equal(v('1p'), 1n << 50n);
  });

  it('refuses what is no number, and suffixes on hex or binary', () => {
    for (const bad of ['', '  ', 'abc', '12x', '0x', '0b', 'h', '-1', '1.5', '0x10h', '64kh', '1b', '0b12']) {
      assert.equal(typeof v(bad), 'string', bad);
    }
    for (const suffixed of ['0x10K', '0b1M', '10hk']) assert.match(String(v(suffixed)), /suffixes apply to decimal numbers only/, suffixed);
  });

  it('gives a JS number up to 2^53 - 1 (the palette asks for one), and refuses more', () => {
    assert.deepEqual(parseInteger('0x1fffffffffffff'), { value: Number.MAX_SAFE_INTEGER });
    assert.deepEqual(parseInteger('64k'), { value: 65536 });
    const big = parseInteger('0x20000000000000');
    assert.ok('error' in big && /too large/.test(big.error));
    assert.ok('error' in parseInteger('ten'));
  });
});
