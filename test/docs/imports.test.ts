import { strict as assert } from 'node:assert';
import { PROJECT_ROOT } from '../oracles';
import { type ImportGraph, cycles, importGraph } from './importGraph';

/**
 * shared/ as a straight stack, bottom to top: a module imports only from its own layer or the layers below it.
 * A layer is a folder of shared/ (or a file directly in it). Within a layer, files must not import in a circle.
 */
const STACK: readonly (readonly string[])[] = [
  // Byte sources, files, locks, journals, patches; small helpers with no format knowledge.
  ['io', 'boundedMap.ts', 'numbers.ts'],
  // Decoders and format facts: header, BAT, extension, geometry, how messages write numbers.
  ['format'],
  // The analyses rules and repairs share: findings, the BAT scan and its entries, bitmaps, metadata, the cluster index.
  ['check'],
  // A disk bundle as read: its descriptor, folder, snapshot chain and chained byte source.
  ['bundle'],
  // Repair tools: the plan builder, the allocator, extension edits, the growth bound.
  ['repair'],
  // The rules, one module each, and their catalogue.
  ['rules'],
  // Byte-level descriptions for front ends: fields, regions, structure, host space.
  ['describe'],
  // The wire: the LSP and webview messages and their edit encoding.
  ['protocol.ts', 'webviewProtocol.ts', 'bundleViewProtocol.ts', 'requestReplies.ts', 'wireEdits.ts'],
  // The one place that assembles decode, BAT, scan, index, rules and planning.
  ['engine'],
  // The operations front ends run: check, repair, convert, create, info, map, and the same for bundles.
  ['ops'],
];

function layerOf(file: string): number {
  const name = file.split('/')[1];
  const at = STACK.findIndex((layer) => layer.includes(name));
  assert.notEqual(at, -1, `${file}: shared/${name} is in no layer of the stack (add it to STACK in this test)`);
  return at;
}

/** Imports that go up the stack, as "from -> to" lines. */
function upward(graph: ImportGraph): string[] {
  const out: string[] = [];
  for (const [from, targets] of graph) {
    for (const to of targets) if (layerOf(to) > layerOf(from)) out.push(`${from} -> ${to}`);
  }
  return out;
}

describe('shared/ imports (a straight stack, no cycles)', () => {
  const graph = importGraph(PROJECT_ROOT, 'shared');

  it('sees the imports of shared/ (the walker reads the real tree)', () => {
    assert.ok(graph.size > 100, `only ${graph.size} files read`);
    assert.ok(graph.get('shared/format/header.ts')?.includes('shared/io/byteSource.ts'), 'format/header.ts -> io/byteSource.ts not seen');
  });

  it('has no import cycle', () => {
    assert.deepEqual(
      cycles(graph).map((c) => c.join(' <-> ')),
      [],
    );
  });

  it('imports only down the stack: io, format, check, bundle, repair, rules, describe, protocol, engine, ops', () => {
    assert.deepEqual(upward(graph), []);
  });

  it('fails on a cycle or an upward import (a probe edge added to the real graph)', () => {
    const probe: ImportGraph = new Map([...graph].map(([k, v]) => [k, [...v]]));
    probe.get('shared/io/byteSource.ts')?.push('shared/format/header.ts');
    assert.ok(cycles(probe).some((c) => c.includes('shared/io/byteSource.ts') && c.includes('shared/format/header.ts')));
    assert.deepEqual(upward(probe), ['shared/io/byteSource.ts -> shared/format/header.ts']);
  });
});
