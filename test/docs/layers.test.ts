import { strict as assert } from 'node:assert';
import { ESLint } from 'eslint';
import { PROJECT_ROOT } from '../oracles';

/**
 * The layer rules of eslint.config.mjs, proven on probe files: each import that crosses a layer must fail lint at
 * any depth of the tree, and the imports each layer is meant to make must pass.
 */
const CROSSINGS: Array<[file: string, source: string]> = [
  ['shared/io/probe.ts', "import * as vscode from 'vscode';"],
  ['shared/format/deep/probe.ts', "import { x } from '../../../server/server';"],
  ['shared/probe.ts', "import type { Connection } from 'vscode-languageserver/node';"],
  ['shared/probe.ts', "import { x } from '../client/extension';"],
  ['server/probe.ts', "import * as vscode from 'vscode';"],
  ['server/sub/probe.ts', "import { x } from '../../client/lsp/applyFix';"],
  ['cli/commands/probe.ts', "import { LanguageClient } from 'vscode-languageclient/node';"],
  ['client/editor/probe.ts', "import { x } from '../../server/server';"],
  ['media/probe.ts', "import { readFileSync } from 'node:fs';"],
  ['media/probe.ts', "import { join } from 'path';"],
  ['media/probe.ts', "import * as vscode from 'vscode';"],
  ['media/probe.ts', "import type { X } from '../client/extension';"],
];

const ALLOWED: Array<[file: string, source: string]> = [
  ['server/probe.ts', "import { createConnection } from 'vscode-languageserver/node';"],
  ['server/probe.ts', "import { x } from '../shared/protocol';"],
  ['client/probe.ts', "import * as vscode from 'vscode';"],
  ['media/probe.ts', "import type { ToWebview } from '../shared/webviewProtocol';"],
  ['media/probe.ts', "import { RequestReplies } from '../shared/requestReplies';"],
  ['cli/probe.ts', "import { readFileSync } from 'node:fs';"],
];

describe('layers (eslint.config.mjs)', function () {
  this.timeout(120000);
  const eslint = new ESLint({ cwd: PROJECT_ROOT });
  const restricted = async (file: string, source: string): Promise<string[]> => {
    const [result] = await eslint.lintText(`${source}\nexport const used = 1;\n`, { filePath: `${PROJECT_ROOT}/${file}` });
    return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
  };

  for (const [file, source] of CROSSINGS) {
    it(`refuses in ${file}: ${source}`, async () => {
      assert.notDeepEqual(await restricted(file, source), [], 'the import passed lint');
    });
  }
  for (const [file, source] of ALLOWED) {
    it(`allows in ${file}: ${source}`, async () => {
      assert.deepEqual(await restricted(file, source), []);
    });
  }
});
