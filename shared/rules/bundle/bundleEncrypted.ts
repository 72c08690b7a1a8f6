import { NULL_GUID } from '../../bundle/descriptor';
import { defineBundleRule } from '../../bundle/rule';

export default defineBundleRule({
  code: 'bundle-encrypted',
  title: 'The disk is encrypted',
  severity: 'info',
  category: 'info',
  doc: `A Parallels Desktop disk whose Encryption/Engine is not the null GUID has clusters encrypted by an
undocumented scheme: hdd-lens checks its structure but refuses to convert it (the output would be ciphertext
presented as a disk). A ploop disk with Encryption/KeyId holds a LUKS volume on an ordinary image: it converts to a
raw LUKS container. Nothing is repaired.`,
  check(ctx) {
    const dp = ctx.bundle.descriptor?.diskParameters;
    const out = [];
    const engine = dp?.encryptionEngine;
    if (engine && engine.text !== '' && engine.value !== NULL_GUID)
      out.push(ctx.at(this, `encrypted by Parallels Desktop engine ${engine.text}: structural checks only, not converted`, engine.el));
    const key = dp?.encryptionKeyId;
    if (key && key.text !== '') out.push(ctx.at(this, `a ploop LUKS disk (key ${key.text}): it converts to a LUKS container`, key.el));
    return out;
  },
});
