import type { Field } from '../../bundle/descriptor';
import { defineBundleRule } from '../../bundle/rule';

export default defineBundleRule({
  code: 'descriptor-guid-invalid',
  title: 'A GUID is not well-formed',
  severity: 'error',
  category: 'corruption',
  doc: `GUIDs (Image/GUID, Shot/GUID, Shot/ParentGUID, TopGUID) are written {8-4-4-4-12} hexadecimal digits in
braces, in either case (ploop compares them case-insensitively). ploop refuses any other form ("invalid guid"),
and the image or snapshot cannot be tied to the others. Nothing is repaired.`,
  check(ctx) {
    const d = ctx.bundle.descriptor;
    if (!d) return [];
    const fields: Array<Field<string> | undefined> = [d.topGuid];
    for (const s of d.storages) for (const i of s.images) fields.push(i.guid);
    for (const s of d.shots) fields.push(s.guid, s.parent);
    return fields
      .filter((f): f is Field<string> => f !== undefined && f.value === undefined)
      .map((f) => ctx.at(this, `<${f.el.name}> "${f.text}" is not a GUID of the form {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}`, f.el));
  },
});
