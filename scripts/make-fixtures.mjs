// Writes every test fixture (see test/fixtures) into a folder, default ./demo: the images the demo opens.
// Needs the compiled tests (npx tsc -b) and the oracles (scripts/oracles.sh).
//   node scripts/make-fixtures.mjs [folder]
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const require = createRequire(import.meta.url);
const { buildAll } = require('../out/test/fixtures/index.js');

const dir = resolve(process.argv[2] ?? 'demo');
const built = await buildAll(dir);
console.log(`${built.size} fixtures written to ${dir}`);
