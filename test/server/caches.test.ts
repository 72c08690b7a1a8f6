import { strict as assert } from 'node:assert';
import { FileSource } from '../../shared/io/fileSource';
import { MAX_DERIVED } from '../../server/documentAnalysis';
import { AnalysisRunner } from '../../server/analysisRunner';
import { allocationOf } from '../../server/derived';
import { WorkerClient } from '../../server/workerClient';
import { fixturePath } from '../fixtures';

describe('server caches are bounded', () => {
  it('allocation maps are kept by the bucket count they have (after clamping), at most MAX_DERIVED of them', async () => {
    const source = new FileSource(await fixturePath('leaked-tail'));
    try {
      // Small BATs are checked inline: the worker is never started.
      const analyzer = new AnalysisRunner(new WorkerClient('/nonexistent'), 1 << 20);
      const { analysis } = analyzer.analyze({ path: source.name, source, edits: { patches: [] } }, 1, 1);
      assert.ok(analysis.checked);
      // 300 requests past the clamp are one map (the old key, the count asked for, kept 300 maps of 65,536 buckets).
      for (let n = 70000; n < 70300; n++) await allocationOf(analysis, n);
      assert.equal(analysis.cached, 1);
      for (let n = 1; n <= 300; n++) await allocationOf(analysis, n);
      assert.ok(analysis.cached <= MAX_DERIVED, `${analysis.cached} products kept`);
      const again = await allocationOf(analysis, 300);
      assert.equal(again?.buckets.length, 300);
    } finally {
      source.close();
    }
  });
});
