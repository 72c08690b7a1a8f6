import { type InfoReport, imageInfo } from '../../shared/ops/info';
import { flag, parseCommand } from '../args';
import { printUsage } from '../help';
import { withView } from '../journalHooks';
import { stdout } from '../output';
import { qemuSize } from '../qemuSize';
import { bundleCommands, bundleTarget } from './bundleTarget';
import { commandMain } from '../execute';
import { hex } from '../../shared/format/le';

export function runInfo(argv: string[]): number | Promise<number> {
  const p = parseCommand('info', argv, { json: { type: 'boolean' } }, { min: 1, max: 1, names: 'IMAGE' });
  if (flag(p, 'help')) return printUsage('info');
  const path = p.positionals[0];
  const bundle = bundleTarget(path);
  if (bundle) return bundleCommands().bundleInfo(bundle, flag(p, 'json'));
  // "disk size" is qemu-img's: the blocks the file occupies, not its length.
  const report = withView(path, (view) => imageInfo(view.source, { actualSize: view.stat.blocks * 512 }));
  if (flag(p, 'json')) stdout.line(JSON.stringify(report, null, 4));
  else printInfo(report);
  return 0;
}

/** qemu-img info's first lines, then what the Parallels header and extension say, indented as qemu-img does. */
function printInfo(r: InfoReport): void {
  const d = r['format-specific'].data;
  stdout.line(`image: ${r.filename}`);
  stdout.line('file format: parallels');
  stdout.line(`virtual size: ${qemuSize(r['virtual-size'])} (${r['virtual-size']} bytes)`);
  if (r['actual-size'] !== undefined) stdout.line(`disk size: ${qemuSize(r['actual-size'])}`);
  stdout.line(`cluster_size: ${r['cluster-size']}`);
  stdout.line('Format specific information:');
  const field = (name: string, value: string | number): void => stdout.line(`    ${name}: ${value}`);
  field('variant', `${d.variant} (${d.magic})`);
  field('version', d.version);
  field('geometry', `${d.heads} heads, ${d.cylinders} cylinders, ${d['cluster-sectors']} sectors per cluster`);
  field('nb_sectors', d['nb-sectors']);
  field('bat entries', `${d['bat-entries']} (${d['disk-clusters']} cover the disk, ${d['allocated-clusters']} allocated)`);
  field('data offset', `${d['data-offset']} (${hex(d['data-offset'])})`);
  field('in_use', inUseText(d['in-use']));
  field('flags', `${hex(d.flags.value)}${d.flags.empty ? ' (Empty)' : ''}${d.flags.reserved ? ' (reserved bits set)' : ''}`);
  field('file length', d['file-length']);
  const ext = d.extension;
  if (!ext) {
    field('format extension', d['ext-offset'] ? `ext_off ${hex(d['ext-offset'])} is past the end of the file` : 'none');
    return;
  }
  field(
    'format extension',
    `at ${hex(ext.offset)}, magic ${ext['magic-ok'] ? 'ok' : 'WRONG'}, checksum ${ext['checksum-ok'] ? 'ok' : 'WRONG'}${ext['end-found'] ? '' : ', no End-of-features'}`,
  );
  ext.features.forEach((f, i) => {
    if (f.kind === 'end') return;
    const flags = [f.necessary ? 'NECESSARY' : '', f.transit ? 'TRANSIT' : ''].filter((s) => s !== '').join(',') || 'none';
    stdout.line(
      `        feature ${i}: ${f.kind} (magic ${f.magic}), flags ${flags}, ${f['data-size']} bytes of data${f.truncated ? ' (truncated)' : ''}${f.error ? ` (cannot be loaded: ${f.error})` : ''}`,
    );
  });
  for (const b of ext.bitmaps) {
    const dirty = b['dirty-clusters'] === null ? 'dirty clusters unreadable' : `${b['dirty-clusters']} dirty clusters (${qemuSize(b['dirty-bytes'] ?? 0)})`;
    stdout.line(`        bitmap ${b.id}: granularity ${b.granularity} sectors (${qemuSize(b['granularity-bytes'])}), l1 size ${b['l1-size']}, ${dirty}`);
  }
}

function inUseText(u: InfoReport['format-specific']['data']['in-use']): string {
  const raw = `${hex(u.value)}${u.tag ? ` ("${u.tag}")` : ''}`;
  const meaning: Record<typeof u.state, string> = {
    dirty: 'dirty: open by a writer, or not closed correctly',
    closed: 'closed',
    'v2.1': 'closed, format extension current',
    'parallels-desktop': 'Parallels Desktop',
    unknown: 'not a value the format allows',
  };
  return `${raw}, ${meaning[u.state]}`;
}

/** The entry point the dispatcher loads (dist/commands/info.js). */
export const main = commandMain(runInfo);
