import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../oracles';

/** The files the formatter owns (package.json's format scripts use the same globs; .gitignore'd files are skipped). */
const FORMATTED = ['**/*.ts', '**/*.mjs', '**/*.css'];

/**
 * One layout for the whole tree (.prettierrc.json): a change that is not formatted fails here, not in review.
 * `npm run format` writes it.
 */
describe('format: every source file is as prettier writes it', () => {
  it('prettier --check finds nothing to reformat', function () {
    this.timeout(300_000);
    const r = spawnSync(
      process.execPath,
      [join(PROJECT_ROOT, 'node_modules', 'prettier', 'bin', 'prettier.cjs'), '--check', '--log-level', 'warn', ...FORMATTED],
      {
        cwd: PROJECT_ROOT,
        encoding: 'utf8',
      },
    );
    assert.equal(r.status, 0, `not formatted (run npm run format):\n${r.stdout}${r.stderr}`);
  });
});
