import { strict as assert } from 'node:assert';
import { type ChildProcess, type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateImage } from '../../bench/generate';
import { PARTIAL_SUFFIX, journalPath } from '../../shared/io/journal';
import { allowedChanges, straceAvailable, tracedRun, violations } from '../crash/writeSafety';
import { LspClient, fileUri } from '../server/lspClient';
import { CLI, hdd, manyDuplicates } from './helpers';

/**
 * Issue 9, the I/O half: a read never writes, a journal belongs to one file, writers lock QEMU's way, failures roll
 * back, convert never leaves a finished-looking output. Real processes throughout: the bundled CLI, qemu-io and
 * qemu-img holding or refusing images, strace, pid namespaces, tmpfs mounts, FIFOs, the language server.
 */

/** A folder of its own (strace and listings look at everything in it). */
function folder(): string {
  const d = mkdtempSync(join(tmpdir(), 'hdd-lens-safety-'));
  after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** A repair killed mid-write in `dir`: a real, valid journal for the image as it is now. */
async function interrupted(dir: string, name = 'disk.hdd'): Promise<{ image: string; original: Buffer; torn: Buffer }> {
  const src = await manyDuplicates();
  const image = join(dir, name);
  copyFileSync(src, image);
  const r = await hdd(['check', image, '-r', 'all'], { HDD_LENS_CRASH_AFTER_STEP: '6' });
  assert.equal(r.signal, 'SIGKILL', r.stderr);
  assert.ok(existsSync(journalPath(image)));
  const torn = readFileSync(image);
  assert.notDeepEqual(torn, readFileSync(src), 'the kill came before any write: nothing to prove');
  return { image, original: readFileSync(src), torn };
}

/** Runs the CLI synchronously with a time limit: a command that hangs (a FIFO) is killed and shows as signal. */
function cliSync(args: string[], cwd?: string, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 30000, env: { ...process.env, ...env } });
}

function waitFor(cond: () => boolean, what: string, ms = 20000): Promise<void> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (cond()) return resolve();
      if (Date.now() - t0 > ms) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 5);
    };
    tick();
  });
}

function exited(child: ChildProcess): Promise<{ code: number | null; stderr: string; stdout: string }> {
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr, stdout })));
}

/** Whether /proc/locks lists a lock on the file (someone holds it). */
function locked(path: string): boolean {
  const ino = statSync(path).ino;
  return readFileSync('/proc/locks', 'utf8')
    .split('\n')
    .some((l) => l.includes(`:${ino} `));
}

/** A slowed `check -r all` (each journal step waits), once it holds the image and its journal is committed. */
async function slowRepair(image: string, delayMs = 300): Promise<{ done: Promise<{ code: number | null; stderr: string; stdout: string }> }> {
  const child = spawn(process.execPath, [CLI, 'check', '-r', 'all', image], {
    env: { ...process.env, HDD_LENS_STEP_DELAY_MS: String(delayMs) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const done = exited(child);
  await waitFor(() => existsSync(journalPath(image)), 'the journal of the slowed repair');
  // Wrapped: an async function returning the bare promise would wait for it.
  return { done };
}

function mountTmpfs(dir: string, size: number): boolean {
  return spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]).status === 0;
}

function umount(dir: string): void {
  spawnSync('umount', ['-l', dir]);
}

describe('write safety: reads never write, whatever lies beside the image', function () {
  this.timeout(120000);

  for (const args of [['check'], ['check', '--json'], ['info'], ['info', '--json'], ['map'], ['map', '--json'], ['convert', '@', 'out.raw']]) {
    it(`hdd-lens ${args.join(' ')} with a pending journal: the image and the journal are untouched, nothing opened writable beside them`, async () => {
      const dir = folder();
      const { image, torn, original } = await interrupted(dir);
      const journal = readFileSync(journalPath(image));
      const argv = args.includes('@') ? args.map((a) => (a === '@' ? 'disk.hdd' : a)) : [...args, 'disk.hdd'];
      if (straceAvailable()) {
        const r = tracedRun([process.execPath, CLI, ...argv], dir);
        assert.ok(r.status !== null && r.status <= 3, `exit ${r.status}`);
        assert.deepEqual(
          violations(r.changes, allowedChanges(argv, dir)),
          [],
          'a read-only command opened something writable, created, renamed or removed a file',
        );
      } else {
        const r = cliSync(argv, dir);
        assert.ok(r.status !== null && r.status <= 3, r.stderr);
      }
      assert.deepEqual(readFileSync(image), torn, 'the image was written');
      assert.deepEqual(readFileSync(journalPath(image)), journal, 'the journal was changed or removed');
      const r = cliSync(
        argv.map((a) => (a === 'out.raw' ? 'again.raw' : a)),
        dir,
      );
      assert.match(r.stderr, /a write was interrupted \(journal .*disk\.hdd\.hdd-lens-journal\); shown as it will be once it is rolled back/);
      if (args[0] === 'convert') {
        // The output is the guest disk of the image as before the interrupted repair.
        const from = join(dir, 'orig.hdd');
        writeFileSync(from, original);
        assert.equal(cliSync(['convert', 'orig.hdd', 'orig.raw'], dir).status, 0);
        assert.deepEqual(readFileSync(join(dir, 'out.raw')), readFileSync(join(dir, 'orig.raw')));
      }
    });
  }

  it('a read-only mount: check, info, map and convert work on an image with a pending journal (as rolled back); recover says why it cannot', async function () {
    const dir = folder();
    const mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    if (!mountTmpfs(mnt, 64 << 20)) this.skip();
    try {
      const { image, original } = await interrupted(mnt);
      assert.equal(spawnSync('mount', ['-o', 'remount,ro', mnt]).status, 0);
      const orig = join(dir, 'orig.hdd');
      writeFileSync(orig, original);
      const check = cliSync(['check', '--json', image]);
      assert.match(check.stderr, /shown as it will be once it is rolled back/);
      const expected = JSON.parse(cliSync(['check', '--json', orig]).stdout) as { findings: unknown[] };
      assert.deepEqual((JSON.parse(check.stdout) as { findings: unknown[] }).findings, expected.findings);
      assert.equal(cliSync(['map', '--json', image]).stdout, cliSync(['map', '--json', orig]).stdout);
      assert.equal(cliSync(['info', image]).status, 0);
      assert.equal(cliSync(['convert', image, join(dir, 'a.raw')]).status, 0);
      const rec = cliSync(['recover', image]);
      assert.equal(rec.status, 1);
      assert.match(rec.stderr, new RegExp(`${image}: read-only file system`));
    } finally {
      umount(mnt);
    }
  });
});

describe('write safety: a journal belongs to one file', function () {
  this.timeout(120000);

  it('a journal owned by another user is not applied, by a repair or by recover; both are kept', async () => {
    const dir = folder();
    const { image, torn } = await interrupted(dir);
    chownSync(journalPath(image), 4242, 4242);
    for (const args of [
      ['recover', image],
      ['check', '-r', 'all', image],
    ]) {
      const r = await hdd(args);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /belongs to user 4242, neither the image's owner nor root nor you: someone else put it there/);
    }
    assert.match((await hdd(['check', image])).stderr, /is ignored: .*belongs to user 4242/);
    assert.deepEqual(readFileSync(image), torn);
    assert.ok(existsSync(journalPath(image)));
  });

  it('a symlinked image (disk.hdd -> another file) with a planted journal: reads leave the target alone, writes refuse the link', async () => {
    const dir = folder();
    const { image } = await interrupted(dir, 'real.hdd');
    const victim = join(dir, 'config');
    writeFileSync(victim, '[core]\n\tbare = false\n');
    const link = join(dir, 'disk.hdd');
    symlinkSync('config', link);
    copyFileSync(journalPath(image), journalPath(link));
    for (const args of [
      ['info', link],
      ['check', link],
      ['map', link],
    ])
      await hdd(args);
    for (const args of [
      ['recover', link],
      ['check', '-r', 'all', link],
    ]) {
      const r = await hdd(args);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /disk\.hdd: is a symbolic link \(to config\); hdd-lens never writes through a link/);
    }
    assert.equal(readFileSync(victim, 'utf8'), '[core]\n\tbare = false\n');
    assert.ok(existsSync(journalPath(link)));
  });

  it('an image replaced by a copy (another inode) is not rolled back with the stale journal', async () => {
    const dir = folder();
    const { image, torn } = await interrupted(dir);
    copyFileSync(image, `${image}.new`);
    renameSync(`${image}.new`, image);
    const r = await hdd(['recover', image]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /the journal was written for another file \(inode \d+; .* is inode \d+\): the image was replaced or copied since.*the journal was kept/,
    );
    assert.deepEqual(readFileSync(image), torn);
  });

  it('a write killed through one hard link is recovered through another (the journal names the inode, not the path)', async () => {
    const dir = folder();
    const { image, original } = await interrupted(dir);
    const other = join(dir, 'other-name.hdd');
    linkSync(image, other);
    const read = await hdd(['check', other]);
    assert.match(read.stderr, /other-name\.hdd: a write was interrupted \(journal .*disk\.hdd\.hdd-lens-journal\)/);
    const r = await hdd(['recover', other]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /rolled back an interrupted repair/);
    assert.deepEqual(readFileSync(image), original);
    assert.equal(existsSync(journalPath(image)), false);
  });

  it('a journal of an image changed since (a range neither old nor new) is refused; the rest of the image is left alone', async () => {
    const dir = folder();
    const { image } = await interrupted(dir);
    // Another program writes the BAT after the crash: the journal's old bytes no longer describe it.
    const bytes = readFileSync(image);
    bytes.writeUInt32LE(0x7777, 64 + 4 * 50);
    bytes.writeUInt32LE(0x7777, 64 + 4 * 53);
    writeFileSync(image, bytes);
    const r = await hdd(['recover', image]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /hold neither their old nor their new bytes/);
    assert.deepEqual(readFileSync(image), bytes);
  });

  it('a raw file at the journal name is reported and never deleted; a repair refuses to go on', async () => {
    const dir = folder();
    const src = await manyDuplicates();
    const image = join(dir, 'disk.hdd');
    copyFileSync(src, image);
    writeFileSync(journalPath(image), 'my notes, not a journal\n');
    const r = await hdd(['check', '-r', 'all', image]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is not an hdd-lens journal \(no journal header\): kept, not applied, not removed/);
    assert.match((await hdd(['check', image])).stderr, /is not an hdd-lens journal/);
    assert.equal(readFileSync(journalPath(image), 'utf8'), 'my notes, not a journal\n');
    assert.deepEqual(readFileSync(image), readFileSync(src));
  });

  it('a FIFO as IMAGE or planted as the journal never hangs a command', async () => {
    const dir = folder();
    const src = await manyDuplicates();
    const image = join(dir, 'disk.hdd');
    copyFileSync(src, image);
    const fifo = join(dir, 'pipe.hdd');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    for (const cmd of [['info'], ['check'], ['map'], ['check', '-r', 'all'], ['recover']]) {
      const r = cliSync([...cmd, fifo]);
      assert.equal(r.signal, null, `${cmd.join(' ')} on a FIFO hung`);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /pipe\.hdd: is a FIFO \(named pipe\), not a regular file/);
    }
    assert.equal(spawnSync('mkfifo', [journalPath(image)]).status, 0);
    const read = cliSync(['check', image]);
    assert.equal(read.signal, null);
    assert.match(read.stderr, /hdd-lens-journal: is a FIFO \(named pipe\), not a regular file \(hdd-lens neither reads nor removes it\)/);
    const write = cliSync(['check', '-r', 'all', image]);
    assert.equal(write.signal, null);
    assert.equal(write.status, 1);
    assert.ok(statSync(journalPath(image)).isFIFO());
    assert.deepEqual(readFileSync(image), readFileSync(src));
  });

  it('the language server refuses a FIFO (and says why) and stays responsive', async () => {
    const dir = folder();
    const fifo = join(dir, 'pipe.hdd');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const image = join(dir, 'disk.hdd');
    copyFileSync(await manyDuplicates(), image);
    const client = await LspClient.start();
    try {
      await client.openImage(fileUri(fifo), 1);
      await client.openImage(fileUri(image), 1);
      const d = await client.diagnosticsOf(fileUri(image), 1);
      assert.ok(d.length > 0, 'the server answered for the real image after the FIFO');
      assert.match(client.log, /pipe\.hdd: is a FIFO \(named pipe\), not a regular file/);
    } finally {
      await client.stop();
    }
  });
});

describe('write safety: exclusive writers by locks (QEMU-compatible)', function () {
  this.timeout(300000);

  it('two concurrent check -r all on one image, 30 times: exactly one writes, the other refuses; the image ends correct', async () => {
    const dir = folder();
    const src = await manyDuplicates();
    const reference = join(dir, 'reference.hdd');
    copyFileSync(src, reference);
    await hdd(['check', '-r', 'all', reference]);
    const repaired = readFileSync(reference);
    let refusals = 0;
    for (let k = 0; k < 30; k++) {
      const image = join(dir, `race-${k}.hdd`);
      copyFileSync(src, image);
      // Slowed steps keep the writer's lock long enough that the two runs overlap even on a loaded machine.
      const env = { HDD_LENS_TRACE_JOURNAL: '1', HDD_LENS_STEP_DELAY_MS: '60' };
      const runs = await Promise.all([hdd(['check', '-r', 'all', image], env), hdd(['check', '-r', 'all', image], env)]);
      const writers = runs.filter((r) => r.stderr.includes('journal-committed'));
      assert.equal(writers.length, 1, `run ${k}: ${writers.length} processes wrote`);
      assert.equal(writers[0].code, 0, writers[0].stderr);
      const other = runs.find((r) => r !== writers[0]) as (typeof runs)[number];
      if (other.code === 1) {
        // The holder is named when it still runs at the moment it is looked up (it may just have finished).
        assert.match(other.stderr, /another hdd-lens is writing this image now \((process \d+|another process \(gone since)/);
        refusals++;
      } else {
        // It ran after the writer had finished: nothing left to repair, nothing written.
        assert.equal(other.code, 0, other.stderr);
      }
      assert.deepEqual(readFileSync(image), repaired, `run ${k}: the image is not the repaired one`);
      rmSync(image);
    }
    assert.ok(refusals >= 15, `only ${refusals} of 30 runs overlapped: the test proves too little`);
  });

  it('an image qemu-io holds is not repaired, not even with --force, and the message says who holds it', async () => {
    const dir = folder();
    const image = join(dir, 'disk.hdd');
    copyFileSync(await manyDuplicates(), image);
    const qemu = spawn('qemu-io', ['-c', 'sleep 100000', image], { stdio: 'ignore' });
    try {
      // qemu-io locks the image, then marks it in use (in_use "Ynot"): compare with that.
      await waitFor(() => locked(image) && readFileSync(image).toString('latin1', 44, 48) === 'Ynot', 'qemu-io to open the image');
      const before = readFileSync(image);
      for (const args of [
        ['check', '-r', 'all', image],
        ['check', '-r', 'all', '--force', image],
        ['recover', image],
      ]) {
        const r = await hdd(args);
        assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, new RegExp(`is in use: process ${qemu.pid} \\(qemu-io -c sleep 100000 .*\\) has it open`));
      }
      assert.deepEqual(readFileSync(image), before);
    } finally {
      qemu.kill('SIGKILL');
    }
  });

  it('while hdd-lens repairs, qemu-img check -r all and qemu-io refuse the image ("Failed to get ... lock")', async () => {
    const dir = folder();
    const image = join(dir, 'disk.hdd');
    copyFileSync(await manyDuplicates(), image);
    const { done: repair } = await slowRepair(image);
    for (const argv of [
      ['qemu-img', 'check', '-r', 'all', image],
      ['qemu-io', '-c', 'read 0 512', image],
      ['qemu-img', 'info', image],
    ]) {
      const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
      assert.notEqual(r.status, 0, `${argv.join(' ')} opened the image hdd-lens is writing: ${r.stdout} ${r.stderr} ${String(r.error)}`);
      assert.match(r.stderr, /Failed to get .*lock/);
    }
    const done = await repair;
    assert.equal(done.code, 0, done.stderr);
    assert.equal(spawnSync('qemu-img', ['check', image]).status, 0, 'qemu-img can open the image once hdd-lens is done');
  });

  it('a reader and a writer in another pid namespace (unshare --pid --fork) never roll back under a running writer', async function () {
    if (spawnSync('unshare', ['--pid', '--fork', 'true']).status !== 0) this.skip();
    const dir = folder();
    const src = await manyDuplicates();
    const image = join(dir, 'disk.hdd');
    copyFileSync(src, image);
    const reference = join(dir, 'reference.hdd');
    copyFileSync(src, reference);
    await hdd(['check', '-r', 'all', reference]);
    const { done: repair } = await slowRepair(image);
    const reader = spawnSync('unshare', ['--pid', '--fork', process.execPath, CLI, 'check', image], { encoding: 'utf8' });
    assert.match(reader.stderr, /is being written right now by process \d+/);
    const writer = spawnSync('unshare', ['--pid', '--fork', process.execPath, CLI, 'check', '-r', 'all', image], { encoding: 'utf8' });
    assert.equal(writer.status, 1);
    assert.match(writer.stderr, /another hdd-lens is writing this image now/);
    const done = await repair;
    assert.equal(done.code, 0, done.stderr);
    assert.deepEqual(readFileSync(image), readFileSync(reference));
  });
});

describe('write safety: failed writes roll back at once; convert never leaves a finished-looking output', function () {
  this.timeout(120000);

  it('disk full mid-repair (a small tmpfs): rolled back at once, the message says so, no journal left', async function () {
    const dir = folder();
    const mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    const src = await manyDuplicates();
    // Room for the image and its journal, not for the 12 clusters the repair appends.
    if (!mountTmpfs(mnt, statSync(src).size + 256 * 1024)) this.skip();
    try {
      const image = join(mnt, 'disk.hdd');
      copyFileSync(src, image);
      const r = await hdd(['check', '-r', 'all', image]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /writing failed \(ENOSPC: no space left on device\); rolled back: the image is exactly as it was before, nothing was changed/);
      assert.deepEqual(readFileSync(image), readFileSync(src));
      assert.deepEqual(readdirSync(mnt), ['disk.hdd']);
    } finally {
      umount(mnt);
    }
  });

  it('disk full mid-convert: the unfinished output is removed and the message says so', async function () {
    const dir = folder();
    const mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    const image = join(dir, 'data.hdd');
    generateImage(image, { entries: 64, clusterSize: 64 * 1024, fraction: 1, data: true, seed: 3 });
    if (!mountTmpfs(mnt, 1 << 20)) this.skip();
    try {
      const r = await hdd(['convert', image, join(mnt, 'disk.raw')]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /no space left on device; convert failed, removed the unfinished output \(.*disk\.raw was not written\)/);
      assert.deepEqual(readdirSync(mnt), []);
    } finally {
      umount(mnt);
    }
  });

  it('an interrupted convert (SIGTERM) leaves no output and says so', async () => {
    const dir = folder();
    const image = join(dir, 'data.hdd');
    generateImage(image, { entries: 2048, clusterSize: 64 * 1024, fraction: 1, data: true, seed: 4 });
    const out = join(dir, 'disk.raw');
    const partial = join(dir, `.disk.raw.hdd-lens-partial`);
    const child = spawn(process.execPath, [CLI, 'convert', image, out], { stdio: ['ignore', 'pipe', 'pipe'] });
    const done = exited(child);
    await waitFor(() => existsSync(partial) && statSync(partial).size > 0, 'the convert to start writing');
    child.kill('SIGTERM');
    const r = await done;
    assert.equal(r.code, 143);
    assert.match(r.stderr, /convert interrupted \(SIGTERM\); removed the unfinished output/);
    assert.equal(existsSync(out), false);
    assert.equal(existsSync(partial), false);
  });

  it('convert --overwrite replaces a symlink at OUT, never the file it points to', async () => {
    const dir = folder();
    const image = join(dir, 'data.hdd');
    generateImage(image, { entries: 16, clusterSize: 64 * 1024, fraction: 1, data: true, seed: 5 });
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'keep me');
    chmodSync(victim, 0o644);
    symlinkSync('victim', join(dir, 'disk.raw'));
    assert.equal((await hdd(['convert', image, join(dir, 'disk.raw')])).code, 1, 'an existing OUT needs --overwrite');
    const r = await hdd(['convert', '--overwrite', image, join(dir, 'disk.raw')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(victim, 'utf8'), 'keep me');
    assert.ok(statSync(join(dir, 'disk.raw')).isFile());
    assert.equal(existsSync(join(dir, `.disk.raw${PARTIAL_SUFFIX}`)), false);
  });
});
