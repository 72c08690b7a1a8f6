import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOGUE as RULES } from '../../shared/rules/catalogue';
import { parseSize } from '../../cli/size';
import { PROJECT_ROOT } from '../oracles';
import { samplePath } from '../fixtures';
import { hdd } from './helpers';

describe('hdd-lens usage', function () {
  this.timeout(60000);

  it('--help, help COMMAND and COMMAND --help print usage on stdout, exit 0', async () => {
    const top = await hdd(['--help']);
    assert.equal(top.code, 0);
    for (const cmd of ['check', 'info', 'map', 'convert', 'create', 'rules']) assert.match(top.stdout, new RegExp(`^  ${cmd} `, 'm'));
    for (const cmd of ['check', 'info', 'map', 'convert', 'create', 'rules']) {
      const a = await hdd([cmd, '--help']);
      assert.equal(a.code, 0);
      assert.match(a.stdout, new RegExp(`^Usage: hdd-lens ${cmd} `));
      assert.equal((await hdd(['help', cmd])).stdout, a.stdout);
    }
  });

  it('--version prints the package version', async () => {
    const version = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    const r = await hdd(['--version']);
    assert.equal(r.stdout, `hdd-lens ${version}\n`);
  });

  it('usage errors exit 1 with one line and a pointer to --help on stderr', async () => {
    const image = samplePath('parallels-v1');
    const cases: Array<[string[], RegExp]> = [
      [[], /no command given/],
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['--frobnicate'], /unknown option '--frobnicate'/],
      [['check'], /missing IMAGE/],
      [['check', image, '--bogus'], /unknown option '--bogus'/],
      [['check', image, '-r', 'some'], /-r takes 'leaks' or 'all', not 'some'/],
      [['check', image, '-r'], /argument missing|requires? an argument/i],
      [['check', image, '--force'], /--force only applies to a repair/],
      [['check', image, image], /unexpected argument/],
      [['convert', image], /missing IMAGE and OUT.raw/],
      [['create', 'x.hdd', '12 parsecs'], /invalid SIZE '12 parsecs'/],
      [['create', 'x.hdd', '1M', '--cluster-size', '0.5'], /invalid --cluster-size '0.5'/],
      [['rules', 'no-such-rule'], /no rule 'no-such-rule'/],
    ];
    for (const [args, message] of cases) {
      const r = await hdd(args);
      assert.equal(r.code, 1, args.join(' '));
      assert.equal(r.stdout, '', args.join(' '));
      assert.match(r.stderr, message, args.join(' '));
      // The one line, then where the usage is: not the whole help, which would bury the line.
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 2, r.stderr);
      assert.match(lines[0], /^hdd-lens( [a-z]+)?: [a-z-']/, `starts lower-case after the name: ${r.stderr}`);
      const command =
        args[0] !== undefined && !args[0].startsWith('-') && ['check', 'info', 'map', 'convert', 'create', 'rules'].includes(args[0]) ? ` ${args[0]}` : '';
      assert.equal(lines[1], `See 'hdd-lens${command} --help'.`, args.join(' '));
    }
  });

  it('rules --json is the catalogue: code, severity, category, title, doc, fix', async () => {
    const r = await hdd(['rules', '--json']);
    const rules = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(
      rules.map((x) => x.code),
      RULES.map((x) => x.code),
    );
    for (const x of rules) {
      assert.deepEqual(Object.keys(x), ['code', 'severity', 'category', 'title', 'doc', 'fix']);
      assert.ok(typeof x.doc === 'string' && !x.doc.includes('\n'));
    }
    const one = JSON.parse((await hdd(['rules', 'leaked-tail', '--json'])).stdout) as Record<string, unknown>;
    assert.equal(one.code, 'leaked-tail');
    assert.equal(one.category, 'leak');
  });

  it('rules --markdown: a table row and a section per rule; rules CODE explains one', async () => {
    const md = (await hdd(['rules', '--markdown'])).stdout;
    for (const rule of RULES) {
      assert.match(md, new RegExp(`^\\| \\[\`${rule.code}\`\\]\\(#${rule.code}\\) \\| ${rule.severity} \\| ${rule.category} \\|`, 'm'));
      assert.match(md, new RegExp(`^#### ${rule.code}$`, 'm'));
    }
    const one = await hdd(['rules', 'bat-entry-duplicate']);
    assert.match(one.stdout, /^bat-entry-duplicate: Two BAT entries share host bytes$/m);
    assert.match(one.stdout, /^Repair \(check -r all\): copy the shared cluster/m);
    const table = await hdd(['rules']);
    assert.equal(table.stdout.split('\n').filter((l) => /^[a-z]/.test(l) && !l.includes("'hdd-lens rules")).length, RULES.length);
  });
});

describe('sizes, as qemu-img reads them', () => {
  const cases: Array<[string, number | undefined]> = [
    ['1048576', 1048576],
    ['1M', 1048576],
    ['1m', 1048576],
    ['64k', 65536],
    ['64K', 65536],
    ['1.5M', 1572864],
    ['1.0001k', 1024],
    ['1.M', 1048576],
    ['1T', 2 ** 40],
    ['2G', 2 ** 31],
    ['1b', 1],
    ['0x100000', 1048576],
    [' 12M', 12 * 2 ** 20],
    ['01M', 1048576],
    ['1.5', undefined],
    ['1.5b', undefined],
    ['.5M', undefined],
    ['1e3', undefined],
    ['1kB', undefined],
    ['1Ki', undefined],
    ['-1', undefined],
    ['', undefined],
    ['16E', undefined],
  ];
  for (const [text, bytes] of cases) {
    it(`'${text}' -> ${bytes ?? 'invalid'}`, () => assert.equal(parseSize(text), bytes));
  }
});
