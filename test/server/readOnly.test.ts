import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../oracles';

/** Calls that write, truncate, move or delete files: none may appear in the server (it never writes an image). */
const WRITES =
  /\b(writeFile|writeSync|write\(|appendFile|createWriteStream|truncate|ftruncate|rename|unlink|rmSync|rm\(|copyFile|openSync\([^)]*['"](r\+|w|a))/;

describe('server is read-only', () => {
  it('has no file-writing calls in server/', () => {
    const dir = join(PROJECT_ROOT, 'server');
    const offenders: string[] = [];
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      readFileSync(join(dir, name), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (WRITES.test(line) && !line.trim().startsWith('//') && !line.trim().startsWith('*')) offenders.push(`${name}:${i + 1}: ${line.trim()}`);
        });
    }
    assert.deepEqual(offenders, []);
  });
});
