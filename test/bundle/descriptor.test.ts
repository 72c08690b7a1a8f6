import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseDescriptor } from '../../shared/bundle/descriptor';
import { snapshotTree, resolveTop, walk } from '../../shared/bundle/snapshots';
import { parseXml } from '../../shared/bundle/xml';
import { PROJECT_ROOT } from '../oracles';

/** Copies of ../shared/samples/bundles (text only), so that a clean clone has them. */
const SAMPLES = join(PROJECT_ROOT, 'test', 'samples', 'bundles');

function descriptorsUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return descriptorsUnder(p);
    return n === 'DiskDescriptor.xml' ? [p] : [];
  });
}

describe('DiskDescriptor.xml parser', () => {
  it('keeps the line and column of every element and the exact range of every value', () => {
    const text =
      '<?xml version="1.0"?>\n<Virtuozzo_disk_image>\n  <Disk_Parameters>\n    <Disk_size> 2048 </Disk_size>\n  </Disk_Parameters>\n</Virtuozzo_disk_image>\n';
    const d = parseDescriptor(text).descriptor;
    assert.ok(d);
    const size = d.diskParameters?.diskSize;
    assert.equal(size?.value, 2048);
    assert.deepEqual([size?.el.start.line, size?.el.start.column], [4, 5]);
    assert.equal(text.slice(size?.el.start.offset, size?.el.end.offset), '<Disk_size> 2048 </Disk_size>');
    assert.equal(text.slice(size?.el.openEnd.offset, size?.el.closeStart.offset), ' 2048 ');
  });

  it('maps positions back to the text with CRLF line ends, a BOM, comments and characters outside the BMP', () => {
    const text =
      '\uFEFF<Parallels_disk_image>\r\n<!-- 😀 é -->\r\n<Snapshots><TopGUID>{5FBAABE3-6958-40FF-92A7-860E329AAB41}</TopGUID></Snapshots>\r\n</Parallels_disk_image>';
    const d = parseDescriptor(text).descriptor;
    const top = d?.topGuid;
    assert.equal(top?.value, '{5fbaabe3-6958-40ff-92a7-860e329aab41}', 'GUIDs compare case-insensitively');
    assert.equal(text.slice(top?.el.start.offset, top?.el.end.offset), '<TopGUID>{5FBAABE3-6958-40FF-92A7-860E329AAB41}</TopGUID>');
    assert.deepEqual([top?.el.start.line, top?.el.start.column], [3, 12]);
  });

  it('accepts what writers differ on: both roots, no Version, BlockSize, whitespace', () => {
    for (const root of ['Parallels_disk_image', 'Virtuozzo_disk_image']) {
      const d = parseDescriptor(
        `<${root}><StorageData><Storage><Start>0</Start><End>\n 64 \n</End><BlockSize>2048</BlockSize></Storage></StorageData></${root}>`,
      ).descriptor;
      assert.equal(d?.storages[0].blocksize?.value, 2048);
      assert.equal(d?.storages[0].end?.value, 64);
    }
  });

  it('reads no octal, hexadecimal or signed numbers (ploop would read them with strtoul)', () => {
    for (const t of ['010', '0x10', '-1', '1e3', '']) {
      assert.equal(
        parseDescriptor(`<r><Disk_Parameters><Disk_size>${t}</Disk_size></Disk_Parameters></r>`).descriptor?.diskParameters?.diskSize?.value,
        undefined,
        t,
      );
    }
  });

  it('reports a document that is not well-formed at the line and column of the fault', () => {
    const r = parseDescriptor('<r>\n  <a>1</b>\n</r>');
    assert.equal(r.descriptor, undefined);
    assert.equal(r.error?.at.line, 2);
    assert.match(r.error?.message ?? '', /close tag/);
  });

  it('is bounded: refuses DTDs (no entity expansion), deep nesting, floods of elements and huge documents', () => {
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><r>&c;</r>';
    assert.match(parseXml(laughs).error?.message ?? '', /DOCTYPE/);
    const xxe = '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>';
    assert.match(parseXml(xxe).error?.message ?? '', /DOCTYPE/);
    assert.match(parseXml('<a>'.repeat(40) + '</a>'.repeat(40)).error?.message ?? '', /deeper than 32/);
    assert.match(parseXml(`<r>${'<a/>'.repeat(100_001)}</r>`).error?.message ?? '', /more than 100000 elements/);
    assert.match(parseXml(`<r>${' '.repeat(4 * 1024 * 1024)}</r>`).error?.message ?? '', /more than the/);
  });

  it('parses every example descriptor and resolves its top as the notes say', () => {
    const want: Record<string, string | undefined> = {
      'a-parallels-desktop-two-snapshots': '{5fbaabe3-6958-40ff-92a7-860e329aab41}',
      'c4-no-top-two-leaves': undefined,
      'c8-topguid-dangling': undefined,
      'c1-parent-cycle': '{11111111-2222-4333-8444-555555555555}',
    };
    const files = descriptorsUnder(SAMPLES);
    assert.ok(files.length >= 13, `found ${files.length} sample descriptors under ${SAMPLES}`);
    for (const f of files) {
      const d = parseDescriptor(readFileSync(f, 'utf8')).descriptor;
      assert.ok(d, f);
      const name = Object.keys(want).find((k) => f.includes(k));
      if (name) assert.equal(resolveTop(d, snapshotTree(d)).guid, want[name], f);
    }
  });

  it('walks a chain from the top to the root and stops at a cycle', () => {
    const d = parseDescriptor(readFileSync(join(SAMPLES, 'c-negative/c1-parent-cycle/DiskDescriptor.xml'), 'utf8')).descriptor;
    assert.ok(d);
    const chain = walk(snapshotTree(d), '{11111111-2222-4333-8444-555555555555}');
    assert.equal(chain.problem?.kind, 'cycle');
    assert.equal(chain.guids.length, 2);
  });
});
