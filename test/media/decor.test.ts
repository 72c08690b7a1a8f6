import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REGION_KIND_INFO } from '../../shared/format/regionKinds';
import { PROJECT_ROOT } from '../oracles';
import type { WireFinding } from '../../shared/protocol';
import { REGION_KINDS, buildDecor } from '../../media/decor';
import { PAGE_SIZE } from '../../media/pageCache';

const finding = (offset: number, length: number, severity: WireFinding['severity']): WireFinding => ({
  code: 'x',
  severity,
  category: severity === 'error' ? 'corruption' : 'warning',
  message: 'm',
  offset,
  length,
});

describe('webview byte decoration', () => {
  it('colours bytes by region kind and underlines them by the worst severity of the findings, clipped to the page', () => {
    const page = 1;
    const start = page * PAGE_SIZE;
    const d = buildDecor(
      page,
      [
        { offset: start - 10, length: 20, kind: 'bat' },
        { offset: start + 10, length: 100, kind: 'data' },
      ],
      [finding(start + 10, 100, 'warning'), finding(start + 50, 4, 'error'), finding(start + 52, 10, 'info'), finding(0, 1, 'error')],
    );
    assert.equal(REGION_KINDS[d.kinds[0]], 'bat');
    assert.equal(REGION_KINDS[d.kinds[9]], 'bat');
    assert.equal(REGION_KINDS[d.kinds[10]], 'data');
    assert.equal(REGION_KINDS[d.kinds[110]], 'unknown');
    assert.equal(d.severities[10], 2, 'warning from a finding');
    assert.equal(d.severities[50], 3, 'error from a finding');
    assert.equal(d.severities[53], 3, 'the worst severity wins');
    assert.equal(d.severities[60], 2, 'info does not lower a warning');
    assert.equal(d.severities[200], 0);
  });

  it('underlines a zero-length finding on its byte', () => {
    const d = buildDecor(0, undefined, [finding(7, 0, 'warning')]);
    assert.equal(d.severities[7], 2);
    assert.equal(d.severities[8], 0);
  });

  it('has a stylesheet rule for every region kind of the table, and none for a kind it lacks', () => {
    const css = readFileSync(join(PROJECT_ROOT, 'media', 'webview.css'), 'utf8');
    const ruled = new Set([...css.matchAll(/\.k-([a-z]+)\b/g)].map((m) => m[1]));
    assert.deepEqual([...ruled].sort(), Object.keys(REGION_KIND_INFO).sort());
  });
});
