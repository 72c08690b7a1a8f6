import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../oracles';

/**
 * The .vsix is an allow-list (.vscodeignore): a bundle scripts/build.mjs makes but the list forgets is missing from
 * the packaged extension only (the tests run from the tree). The bundle view's page once was. Every bundle the
 * build writes must be in what vsce would pack.
 */
function builtFiles(): string[] {
  const build = readFileSync(join(PROJECT_ROOT, 'scripts', 'build.mjs'), 'utf8');
  const literal = [...build.matchAll(/outfile: '([^']+)'/g)].map((m) => m[1]);
  const commands =
    /const CLI_COMMANDS = \[([^\]]*)\]/
      .exec(build)?.[1]
      .match(/'([^']+)'/g)
      ?.map((c) => `dist/commands/${c.slice(1, -1)}.js`) ?? [];
  // Each dispatcher command's V8 code cache (scripts/codeCache.mjs); the bundle commands are loaded without one.
  const caches = commands.filter((c) => !c.endsWith('/bundle.js')).map((c) => `${c}.cache`);
  return [...literal, ...commands, ...caches];
}

describe('packaging: the .vsix carries every bundle the build makes', () => {
  it('vsce would pack each outfile of scripts/build.mjs', function () {
    this.timeout(120_000);
    const files = builtFiles();
    assert.ok(
      files.length >= 10 && files.includes('dist/extension.js') && files.includes('dist/commands/check.js'),
      `read from build.mjs: ${files.join(', ')}`,
    );
    const packed = new Set(
      execFileSync(join(PROJECT_ROOT, 'node_modules', '.bin', 'vsce'), ['ls', '--no-dependencies'], { cwd: PROJECT_ROOT, encoding: 'utf8' })
        .split('\n')
        .map((l) => l.trim()),
    );
    assert.deepEqual(
      files.filter((f) => !packed.has(f)),
      [],
    );
  });
});
