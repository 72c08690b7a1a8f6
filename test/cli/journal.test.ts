import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { qemuCreate, qemuWrite } from '../fixtures';
import { scratchPath } from '../fixtures/files';
import { qemu72 } from '../oracles';
import { type CliResult, hdd, manyDuplicates } from './helpers';
import type { EditSpec } from './journalChild';

const K64 = 64 * 1024;
const JOURNAL = '.hdd-lens-journal';

/** An image with a leaked tail: -r leaks only truncates (the truncation is the last, irreversible step). */
async function leaked(): Promise<string> {
  const path = await scratchPath('leak.hdd');
  await qemuCreate(qemu72(), path, 4 * 1024 * 1024, K64);
  await qemuWrite(qemu72(), path, [{ offset: 0, length: 2 * K64, pattern: 0x77 }]);
  await appendFile(path, Buffer.alloc(3 * K64 + 100, 0xee));
  return path;
}

/** The journal steps a run goes through, from HDD_LENS_TRACE_JOURNAL's lines. */
function stepsOf(r: CliResult): string[] {
  return [...r.stderr.matchAll(/^hdd-lens: journal step \d+: (.*)$/gm)].map((m) => m[1]);
}

interface Outcome {
  step: string;
  result: 'old' | 'new';
  message: string;
}

/**
 * Runs `args` on a fresh copy of `image` once per journal step, SIGKILLing it right after that step, then lets
 * `hdd-lens recover` clean up, and says whether the image is the old or the new one.
 */
async function crashAtEveryStep(image: string, args: string[]): Promise<{ steps: string[]; outcomes: Outcome[] }> {
  const old = await readFile(image);
  const reference = await scratchPath('reference.hdd');
  await copyFile(image, reference);
  const traced = await hdd([...args.slice(0, 1), reference, ...args.slice(1)], { HDD_LENS_TRACE_JOURNAL: '1' });
  assert.ok(traced.code !== null && traced.code !== 1, traced.stderr);
  const expected = await readFile(reference);
  assert.notDeepEqual(expected, old, 'the repair changed nothing: the test would prove nothing');
  const steps = stepsOf(traced);
  const outcomes = await eachStep(steps.length, async (k): Promise<Outcome> => {
    const copy = await scratchPath(`crash-${k}.hdd`);
    await copyFile(image, copy);
    const crashed = await hdd([args[0], copy, ...args.slice(1)], { HDD_LENS_CRASH_AFTER_STEP: String(k) });
    assert.equal(crashed.signal, 'SIGKILL', `step ${k} (${steps[k - 1]}): not killed: ${crashed.stderr}`);
    const after = await hdd(['recover', copy]);
    assert.equal(after.code, 0, after.stderr);
    assert.equal(existsSync(copy + JOURNAL), false, `step ${k}: journal left after recovery`);
    const bytes = await readFile(copy);
    const result = bytes.equals(old) ? 'old' : bytes.equals(expected) ? 'new' : undefined;
    assert.ok(result, `step ${k} (${steps[k - 1]}): after recovery the image is neither the old nor the new one`);
    return { step: steps[k - 1], result, message: (after.stdout + after.stderr).trim() };
  });
  return { steps, outcomes };
}

describe('crash-safe repairs: the journal', function () {
  this.timeout(300000);

  it('a kill after any step of -r all (many duplicates) leaves the old or the new image after recovery', async () => {
    const { steps, outcomes } = await crashAtEveryStep(await manyDuplicates(), ['check', '-r', 'all']);
    assert.ok(steps.filter((s) => s.startsWith('patch ')).length >= 13, steps.join(', '));
    // Every range written (the last patch step on): recovery sees only new bytes and keeps them.
    const lastPatch = steps.findIndex((s) => /^patch (\d+)\/\1$/.test(s));
    outcomes.forEach((o, k) => {
      if (o.step === 'journal-removed') {
        assert.equal(o.result, 'new');
        assert.match(o.message, /no interrupted write to recover/);
      } else if (o.step === 'journal-body') {
        // Killed before the journal was committed (it had its temporary name): the image was not touched.
        assert.equal(o.result, 'old');
        assert.match(o.message, /no interrupted write to recover/);
      } else if (k >= lastPatch) {
        assert.equal(o.result, 'new', o.step);
        assert.match(o.message, /had finished writing; kept the repaired image/);
      } else {
        assert.equal(o.result, 'old', o.step);
        assert.match(o.message, /: rolled back an interrupted repair \(journal .*\.hdd-lens-journal\)$/);
      }
    });
  });

  it('a kill after the truncation of -r leaks keeps the repaired image (the tail is gone; the patches were durable)', async () => {
    const { steps, outcomes } = await crashAtEveryStep(await leaked(), ['check', '-r', 'leaks']);
    assert.deepEqual(steps, ['journal-body', 'journal-committed', 'image-synced', `resized to ${3 * K64}`, 'journal-removed']);
    assert.deepEqual(
      outcomes.map((o) => o.result),
      ['old', 'old', 'old', 'new', 'new'],
    );
    assert.match(outcomes[3].message, /had finished writing; kept the repaired image/);
  });

  it('a kill during recovery is recovered by the next recover; read-only commands meanwhile show the rolled-back image and write nothing', async () => {
    const image = await manyDuplicates();
    const old = await readFile(image);
    const copy = await scratchPath('recovery.hdd');
    await copyFile(image, copy);
    const crashed = await hdd(['check', copy, '-r', 'all'], { HDD_LENS_CRASH_AFTER_STEP: '6' });
    assert.equal(crashed.signal, 'SIGKILL');
    const torn = await readFile(copy);
    assert.notDeepEqual(torn, old, 'the kill came before any patch: the test proves nothing');
    for (const step of ['1', '2']) {
      const r = await hdd(['recover', copy], { HDD_LENS_CRASH_AFTER_STEP: step });
      assert.equal(r.signal, 'SIGKILL');
      assert.equal(existsSync(copy + JOURNAL), true);
    }
    const map = await hdd(['map', copy, '--json']);
    assert.equal(map.code, 0, map.stderr);
    assert.match(map.stderr, /a write was interrupted \(journal .*\); shown as it will be once it is rolled back/);
    assert.equal(map.stdout, (await hdd(['map', image, '--json'])).stdout, 'map shows the image as before the interrupted write');
    assert.equal(existsSync(copy + JOURNAL), true, 'a read-only command recovered');
    const r = await hdd(['recover', copy]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /rolled back an interrupted repair/);
    assert.deepEqual(await readFile(copy), old);
  });

  it('a damaged journal after a kill mid-repair is kept and reported, never deleted, and nothing is written', async () => {
    const image = await manyDuplicates();
    const copy = await scratchPath('damaged.hdd');
    await copyFile(image, copy);
    await hdd(['check', copy, '-r', 'all'], { HDD_LENS_CRASH_AFTER_STEP: '6' });
    const journal = await readFile(copy + JOURNAL);
    journal[journal.length - 100] ^= 1;
    await writeFile(copy + JOURNAL, journal, { mode: 0o600 });
    const torn = await readFile(copy);
    for (const args of [
      ['recover', copy],
      ['check', '-r', 'all', copy],
    ]) {
      const r = await hdd(args);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /is damaged \(its checksum does not match\).*may be half-written/);
      assert.doesNotMatch(r.stderr + r.stdout, /had not touched the image/);
    }
    const read = await hdd(['check', copy]);
    assert.match(read.stderr, /is damaged.*shown as it is on disk, which may be half-written/);
    assert.deepEqual(await readFile(copy + JOURNAL), journal, 'the damaged journal was changed or removed');
    assert.deepEqual(await readFile(copy), torn);
  });

  it('a journal that does not fit the image is kept and nothing is written (exit 1)', async () => {
    const image = await manyDuplicates();
    const copy = await scratchPath('mismatch.hdd');
    await copyFile(image, copy);
    await hdd(['check', copy, '-r', 'all'], { HDD_LENS_CRASH_AFTER_STEP: '2' });
    await appendFile(copy, Buffer.alloc(64 * K64, 1));
    const before = await readFile(copy);
    const r = await hdd(['recover', copy]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not recovering from .*: .* a size the interrupted write .* cannot have left.*the journal was kept/);
    assert.equal(existsSync(copy + JOURNAL), true);
    const read = await hdd(['check', copy]);
    assert.match(read.stderr, /is ignored: .*cannot have left/);
    assert.deepEqual(await readFile(copy), before);
    const create = await hdd(['create', copy, '1M', '--overwrite']);
    assert.equal(create.code, 1, 'create must not replace an image with a pending journal');
  });

  it('a reader during a running repair reads the image as before it and touches nothing; the writer finishes', async () => {
    const image = await manyDuplicates();
    const copy = await scratchPath('busy.hdd');
    await copyFile(image, copy);
    const original = JSON.parse((await hdd(['check', image, '--json'])).stdout) as { corruptions: number };
    let settled = false;
    const writer = hdd(['check', copy, '-r', 'all'], { HDD_LENS_STEP_DELAY_MS: '150' }).finally(() => (settled = true));
    while (!existsSync(copy + JOURNAL) && !settled) await new Promise((r) => setTimeout(r, 10));
    assert.equal(settled, false, 'the writer finished before its journal could be seen');
    const reader = await hdd(['check', copy, '--json']);
    assert.match(reader.stderr, /is being written right now by process \d+.*; shown as it was before that write/);
    assert.equal((JSON.parse(reader.stdout) as { corruptions: number }).corruptions, original.corruptions);
    const second = await hdd(['check', '-r', 'all', copy]);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /another hdd-lens is writing this image now \(process \d+/);
    const done = await writer;
    assert.equal(done.code, 0, done.stderr);
    const after = await hdd(['check', copy, '--json']);
    assert.equal(after.code, 0);
    assert.equal(after.stderr, '');
  });

  it('refuses offsets and sizes that are not safe integers before writing anything (node would write at the current position)', async () => {
    const path = await scratchPath('unsafe.bin');
    const old = Buffer.alloc(4096, 7);
    await writeFile(path, old);
    const specs: EditSpec[] = [
      { patches: [{ offset: 2 ** 53 + 2, fill: 1, length: 4 }] },
      { patches: [{ offset: 1e300, fill: 1, length: 4 }] },
      { patches: [{ offset: 10.5, fill: 1, length: 4 }] },
      { patches: [], size: -1 },
      { patches: [], copies: [{ offset: 0, length: 10, from: -5 }] },
    ];
    for (const spec of specs) {
      const r = await child(['apply', path, JSON.stringify(spec)]);
      assert.equal(r.code, 1, JSON.stringify(spec));
      assert.match(r.stderr, /refusing to write: .* is not a byte offset \(a non-negative safe integer\)/);
      assert.deepEqual(await readFile(path), old);
      assert.equal(existsSync(path + JOURNAL), false);
    }
  });

  describe('applyJournaled on any edit set (growth with a gap, patches across the old end, shrinks, copies)', () => {
    const CASES: Array<{ name: string; size: number; spec: EditSpec }> = [
      {
        name: 'patches inside, same size',
        size: 50000,
        spec: {
          patches: [
            { offset: 10, fill: 1, length: 100 },
            { offset: 40000, fill: 2, length: 9000 },
          ],
        },
      },
      {
        name: 'a patch across the old end, and one past a gap',
        size: 50000,
        spec: {
          patches: [
            { offset: 49000, fill: 3, length: 3000 },
            { offset: 90000, fill: 4, length: 500 },
          ],
        },
      },
      { name: 'growth by size only', size: 50000, spec: { patches: [{ offset: 0, fill: 5, length: 8 }], size: 200000 } },
      {
        name: 'a shrink with patches before it',
        size: 50000,
        spec: {
          patches: [
            { offset: 100, fill: 6, length: 1000 },
            { offset: 20000, fill: 7, length: 50 },
          ],
          size: 30000,
        },
      },
      { name: 'a shrink that cuts a patch', size: 50000, spec: { patches: [{ offset: 29000, fill: 8, length: 5000 }], size: 30000 } },
      {
        name: 'copies to new space past the end, one from past the old end (zeros), a patch over a copy',
        size: 50000,
        spec: {
          patches: [{ offset: 60100, fill: 9, length: 10 }],
          copies: [
            { offset: 60000, length: 4096, from: 1000 },
            { offset: 70000, length: 500, from: 49800 },
          ],
        },
      },
      {
        name: 'two copies that swap ranges (each source is the other target, overwritten first)',
        size: 50000,
        spec: {
          patches: [],
          copies: [
            { offset: 1000, length: 3000, from: 20000 },
            { offset: 20000, length: 3000, from: 1000 },
          ],
        },
      },
      {
        name: 'a 9 MiB copy onto its own source shifted by 1 MiB (chunks read sources already overwritten)',
        size: 12 << 20,
        spec: { patches: [{ offset: 5 << 20, fill: 3, length: 100 }], copies: [{ offset: 1 << 20, length: 9 << 20, from: 0 }] },
      },
    ];
    for (const c of CASES) {
      it(`${c.name}: old or new after a kill at every step`, async () => {
        const path = await scratchPath('api.bin');
        const old = Buffer.alloc(c.size);
        for (let i = 0; i < old.length; i++) old[i] = (i * 7) & 0xff;
        const expected = model(old, c.spec);
        await writeFile(path, old);
        const traced = await child(['apply', path, JSON.stringify(c.spec)], { HDD_LENS_TRACE_JOURNAL: '1' });
        assert.equal(traced.code, 0, traced.stderr);
        assert.deepEqual(await readFile(path), expected, 'applyJournaled wrote something else than the edits');
        const steps = stepsOf(traced);
        await eachStep(steps.length, async (k) => {
          const file = await scratchPath(`api-${k}.bin`);
          await writeFile(file, old);
          const crashed = await child(['apply', file, JSON.stringify(c.spec)], { HDD_LENS_CRASH_AFTER_STEP: String(k) });
          assert.equal(crashed.signal, 'SIGKILL', steps[k - 1]);
          const recovered = await child(['recover', file]);
          assert.equal(recovered.code, 0, recovered.stderr);
          const bytes = await readFile(file);
          assert.ok(bytes.equals(old) || bytes.equals(expected), `kill after ${steps[k - 1]}: neither old nor new`);
          assert.equal(existsSync(file + JOURNAL), false);
        });
      });
    }
  });
});

/** Runs `f(1..n)`, a few at a time (each run is a pair of processes on its own file); results in order. */
async function eachStep<T>(n: number, f: (k: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(n);
  let next = 1;
  const worker = async (): Promise<void> => {
    while (next <= n) {
      const k = next++;
      results[k - 1] = await f(k);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return results;
}

/** The edit set applied in memory, the plain way (EditSet's documented semantics): the expected new file. */
function model(old: Buffer, spec: EditSpec): Buffer {
  let bytes = Buffer.from(old);
  for (const c of spec.copies ?? []) {
    if (c.offset + c.length > bytes.length) bytes = Buffer.concat([bytes, Buffer.alloc(c.offset + c.length - bytes.length)]);
    const source = Buffer.alloc(c.length);
    old.copy(source, 0, Math.min(c.from, old.length), Math.min(c.from + c.length, old.length));
    source.copy(bytes, c.offset);
  }
  for (const p of spec.patches) {
    if (p.offset + p.length > bytes.length) bytes = Buffer.concat([bytes, Buffer.alloc(p.offset + p.length - bytes.length)]);
    bytes.fill(p.fill, p.offset, p.offset + p.length);
  }
  if (spec.size !== undefined)
    bytes = spec.size <= bytes.length ? bytes.subarray(0, spec.size) : Buffer.concat([bytes, Buffer.alloc(spec.size - bytes.length)]);
  return bytes;
}

function child(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const script = join(__dirname, 'journalChild.js');
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, signal: err?.signal ?? null, stdout, stderr });
    });
  });
}
