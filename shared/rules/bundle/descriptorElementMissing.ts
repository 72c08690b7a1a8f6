import { defineBundleRule, type BundleContext, type BundleFinding } from '../../bundle/rule';
import type { BundleRuleInfo } from '../../bundle/rule';

export default defineBundleRule({
  code: 'descriptor-element-missing',
  title: 'A required descriptor element is missing',
  severity: 'error',
  category: 'corruption',
  doc: `A descriptor has Disk_Parameters (with Disk_size), StorageData with at least one Storage (each with Start,
End, Blocksize and at least one Image), every Image a GUID and a File, and Snapshots whose every Shot has a GUID
and a ParentGUID. ploop refuses a descriptor without them ("node not found") and the chain cannot be read. Nothing
is repaired: the missing values cannot be known from the descriptor alone.`,
  check(ctx) {
    return missing(ctx, this);
  },
});

function missing(ctx: BundleContext, rule: BundleRuleInfo): BundleFinding[] {
  const d = ctx.bundle.descriptor;
  if (!d) return [];
  const out: BundleFinding[] = [];
  const need = (present: unknown, what: string, where: Parameters<BundleContext['at']>[2]): void => {
    if (present === undefined) out.push(ctx.at(rule, `<${what}> is missing`, where));
  };
  need(d.diskParameters, 'Disk_Parameters', d.root);
  if (d.diskParameters) need(d.diskParameters.diskSize, 'Disk_size', d.diskParameters.el);
  need(d.storageData, 'StorageData', d.root);
  if (d.storageData && d.storages.length === 0) out.push(ctx.at(rule, '<StorageData> has no <Storage>', d.storageData));
  for (const s of d.storages) {
    need(s.start, 'Start', s.el);
    need(s.end, 'End', s.el);
    need(s.blocksize, 'Blocksize', s.el);
    if (s.images.length === 0) out.push(ctx.at(rule, `storage ${s.index} has no <Image>`, s.el));
    for (const i of s.images) {
      need(i.guid, 'GUID', i.el);
      need(i.file, 'File', i.el);
    }
  }
  need(d.snapshots, 'Snapshots', d.root);
  for (const s of d.shots) {
    need(s.guid, 'GUID', s.el);
    need(s.parent, 'ParentGUID', s.el);
  }
  return out;
}
