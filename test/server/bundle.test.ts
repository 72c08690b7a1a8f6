import { strict as assert } from 'node:assert';
import { mkdtemp } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as P from '../../shared/protocol';
import { BROKEN, type BundleFixture, CLEAN, TOP, buildBundle, localName } from '../fixtures/bundles';
import { LspClient, fileUri } from './lspClient';

const MiB = 1024 * 1024;
const BASE = '{a92ba63b-f590-43d0-b7f6-6f19db36a397}';
const MIDDLE = '{da947905-96be-4085-8f8e-d87eb0d235e5}';

function fixture(list: readonly BundleFixture[], name: string): BundleFixture {
  const f = list.find((x) => x.spec.name === name);
  if (!f) throw new Error(`no fixture ${name}`);
  return f;
}

/** hddLens/bundle over a real LSP connection, on bundles of real qemu-img images (test/fixtures/bundles). */
describe('language server: hddLens/bundle', function () {
  this.timeout(120000);
  let client: LspClient;
  let root: string;
  const dirs = new Map<string, string>();

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'hdd-lens-bundle-view-'));
    const wanted = [
      fixture(CLEAN, 'a-parallels-desktop-two-snapshots'),
      fixture(BROKEN, 'disk-size-mismatch'),
      fixture(BROKEN, 'chain-dangling'),
      fixture(BROKEN, 'lower-in-use'),
    ];
    for (const f of wanted) dirs.set(f.spec.name, await buildBundle(f.spec, join(root, f.spec.name)));
    client = await LspClient.start();
  });
  after(async () => {
    await client.stop();
    rmSync(root, { recursive: true, force: true });
  });

  const dirOf = (name: string): string => dirs.get(name) as string;
  const ask = (path: string, params: Omit<P.BundleParams, 'uri'> = {}): Promise<P.BundleViewResult> =>
    client.request(P.bundle, { uri: fileUri(path), ...params });

  it('describes a Parallels Desktop bundle: snapshot chain top first, and which image serves which guest cluster', async () => {
    const r = await ask(dirOf('a-parallels-desktop-two-snapshots'));
    assert.equal(r.error, undefined);
    assert.deepEqual(r.summary?.activeChain, [TOP, MIDDLE, BASE]);
    assert.equal(r.summary?.top.guid, TOP);
    assert.deepEqual(
      r.files?.map((f) => [f.kind, f.findings.length]),
      [
        ['descriptor', 0],
        ['image', 0],
        ['image', 0],
        ['image', 0],
      ],
    );
    const chain = r.chain as P.BundleChainView;
    assert.deepEqual(chain.layers, [TOP, MIDDLE, BASE]);
    assert.equal(chain.size, 64 * 1024 * MiB);
    // Guest clusters 0 (base), 1 (middle over base), 2 (top over base), 100 (middle), 65535 (base): 5 MiB mapped.
    assert.equal(chain.mapped, 5 * MiB);
    const served = (cluster: number): number | undefined =>
      chain.runs.find((x) => x.depth >= 0 && x.start <= cluster * MiB && cluster * MiB < x.start + x.length)?.depth;
    assert.deepEqual([0, 1, 2, 100, 65535, 3].map(served), [2, 1, 0, 1, 2, undefined]);
    assert.equal(chain.buckets.length, 1024);
    assert.equal(
      chain.buckets.reduce((n, b) => n + b.bytes.reduce((m, x) => m + x, 0), 0),
      chain.mapped,
    );
    assert.equal(chain.runCount, chain.runs.length);
  });

  it('reads the guest disk of a lower snapshot through its own chain, and says which snapshot an image is', async () => {
    const dir = dirOf('a-parallels-desktop-two-snapshots');
    const r = await ask(dir, { snapshot: MIDDLE, check: false, buckets: 16 });
    assert.equal(r.files, undefined);
    assert.deepEqual(r.chain?.layers, [MIDDLE, BASE]);
    assert.equal(r.chain?.mapped, 5 * MiB);
    assert.equal(r.chain?.runs.find((x) => x.start === 2 * MiB)?.depth, 1, 'cluster 2 comes from the base, the top above it is not read');
    assert.equal(r.chain?.buckets.length, 16);
    const image = join(dir, localName(`harddisk.hdd.0.${MIDDLE}.hds`));
    const i = await ask(image, { check: false, buckets: 0 });
    assert.deepEqual(i.image, { storage: 0, guid: MIDDLE, path: image });
    assert.equal(i.chain, undefined);
    assert.equal(i.dir, dir);
  });

  it('gives the findings per file: the descriptor at its line, an image its own', async () => {
    const size = await ask(dirOf('disk-size-mismatch'), { buckets: 0 });
    const descriptor = size.files?.[0];
    assert.equal(descriptor?.kind, 'descriptor');
    assert.deepEqual(
      descriptor?.findings.map((f) => [f.code, f.line]).sort(),
      [
        ['descriptor-chs-mismatch', 5],
        ['descriptor-disk-size-mismatch', 4],
      ].sort(),
    );
    assert.ok(
      descriptor?.findings.some((f) => f.repair !== undefined),
      'the Disk_size fix is offered',
    );
    const lower = await ask(dirOf('lower-in-use'), { buckets: 0 });
    const unclean = lower.files?.find((f) => f.findings.some((x) => x.code === 'image-unclean'));
    assert.equal(unclean?.kind, 'image');
    assert.match(unclean?.path ?? '', /11111111/);
  });

  it('a broken chain still describes the bundle, and says why its guest disk cannot be read', async () => {
    const r = await ask(dirOf('chain-dangling'));
    assert.ok(r.summary);
    assert.ok(r.files?.[0].findings.some((f) => f.code === 'bundle-chain-broken'));
    assert.equal(r.chain, undefined);
    assert.match(r.chainError ?? '', /./);
  });

  it('with publish, the descriptor findings become the diagnostics of DiskDescriptor.xml, filtered by the settings', async () => {
    const descriptor = join(dirOf('disk-size-mismatch'), 'DiskDescriptor.xml');
    const uri = fileUri(descriptor);
    await ask(dirOf('disk-size-mismatch'), { buckets: 0, publish: true });
    const first = await client.diagnosticsWhere(uri, (p) => p.diagnostics.length > 0);
    assert.deepEqual(first.diagnostics.map((d) => d.code).sort(), ['descriptor-chs-mismatch', 'descriptor-disk-size-mismatch']);
    assert.equal(first.diagnostics.find((d) => d.code === 'descriptor-disk-size-mismatch')?.range.start.line, 3);
    client.settings = { rules: { ignore: ['descriptor-chs-mismatch'] } };
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
    const filtered = await client.diagnosticsWhere(uri, (p) => p.diagnostics.length === 1);
    assert.equal(filtered.diagnostics[0].code, 'descriptor-disk-size-mismatch');
  });

  it('answers a folder that is no bundle with why, and refuses a URI that names no file', async () => {
    const r = await ask(root);
    assert.match(r.error ?? '', /./);
    assert.equal(r.summary, undefined);
    await assert.rejects(client.request(P.bundle, { uri: 'untitled:x' }), /file: URI/);
    await assert.rejects(client.request(P.bundle, { uri: fileUri(dirOf('chain-dangling')), buckets: -1 }), /non-negative/);
  });
});
