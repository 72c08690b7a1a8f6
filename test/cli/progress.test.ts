import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fixturePath } from '../fixtures';
import { TWO_DISKS, buildBundle } from '../fixtures/bundles';
import { scratchCopy, scratchPath } from '../fixtures/files';
import { CLI, hdd } from './helpers';

/** Runs the CLI on a pseudo-terminal (util-linux `script`), as a person at a terminal runs it; returns what it showed. */
function onTerminal(args: string[]): string {
  const command = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  // The command's own exit status (check exits 2 on a corrupt image) is not what is tested here.
  const r = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8' });
  if (r.error) throw r.error;
  return r.stdout;
}

describe('hdd-lens progress', function () {
  this.timeout(60000);

  it('-p shows convert and check progress on stderr, as qemu-img convert -p, up to 100%', async () => {
    const image = await fixturePath('bat-entry-duplicate');
    const out = `${await scratchPath('progress')}.raw`;
    const convert = await hdd(['convert', '-p', image, out]);
    assert.equal(convert.code, 0, convert.stderr);
    assert.equal(convert.stdout, '');
    assert.match(convert.stderr, /^ {4}\(0\.00\/100%\)$/m);
    assert.match(convert.stderr, /^ {4}\(100\.00\/100%\)$/m);
    const check = await hdd(['check', '--progress', image]);
    assert.equal(check.code, 2);
    assert.match(check.stderr, /^ {4}\(100\.00\/100%\)$/m);
    assert.doesNotMatch(check.stdout, /100%/, 'the report on stdout stays clean');
  });

  it('-p shows the progress of a bundle convert too, through the guest disk, up to 100%', async () => {
    const dir = await buildBundle(TWO_DISKS[0].spec, await scratchPath('bundle-progress'));
    const r = await hdd(['convert', '-p', dir, `${await scratchPath('bundle-progress')}.raw`]);
    assert.equal(r.code, 0, r.stderr);
    const shown = [...r.stderr.matchAll(/^ {4}\((\d+\.\d+)\/100%\)$/gm)].map((m) => Number(m[1]));
    assert.equal(shown[0], 0);
    assert.equal(shown[shown.length - 1], 100);
    assert.ok(
      shown.every((p, i) => i === 0 || p >= shown[i - 1]),
      `never goes back: ${shown.join(' ')}`,
    );
    assert.doesNotMatch((await hdd(['convert', dir, `${await scratchPath('bundle-quiet')}.raw`])).stderr, /\/100%\)/);
  });

  it('without -p, output into a pipe or --json shows none', async () => {
    const image = await fixturePath('bat-entry-duplicate');
    for (const args of [
      ['check', image],
      ['check', '--json', image],
      ['convert', image, `${await scratchPath('quiet')}.raw`],
    ]) {
      const r = await hdd(args);
      assert.doesNotMatch(r.stderr, /\/100%\)/, args.join(' '));
    }
  });

  it('on a terminal it is on by default and rewritten in place, then cleared; --json keeps it off', async () => {
    if (!existsSync('/usr/bin/script')) throw new Error('util-linux script is needed for a pseudo-terminal (apt-get install bsdutils)');
    const image = await fixturePath('bat-entry-duplicate');
    const shown = onTerminal(['convert', image, `${await scratchPath('tty')}.raw`]);
    assert.match(shown, /\r {4}\(100\.00\/100%\)/);
    assert.match(shown, /\r +\r$/, 'the line is cleared at the end');
    assert.doesNotMatch(onTerminal(['check', '--json', image]), /\/100%\)/);
  });

  it('check -r -p names its stages: planning (with its percentage), then writing and re-checking', async () => {
    const copy = await scratchCopy(await fixturePath('bat-entry-duplicate'));
    const r = await hdd(['check', '-p', '-r', 'all', copy]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stderr.split('\n');
    const planning = lines.findIndex((l) => l.endsWith('checking and planning the repair...'));
    const step = lines.findIndex((l) => l.startsWith('Repairing: '));
    const writing = lines.findIndex((l) => l.endsWith('writing the repair through the journal, then checking the repaired image...'));
    assert.ok(planning >= 0 && planning < step && step < writing, r.stderr);
    const planned = lines.slice(planning + 1, step).map((l) => /^ {4}\((\d+\.\d+)\/100%\)$/.exec(l)?.[1]);
    assert.ok(planned.length > 0 && planned.every((p) => p !== undefined), `the planning percentage: ${r.stderr}`);
    assert.equal(planned[planned.length - 1], '100.00', r.stderr);
  });
});
