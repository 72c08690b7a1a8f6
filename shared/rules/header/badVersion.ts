import { defineRule } from '../rule';
import { H, H_SIZE, VERSION } from '../../format/constants';

export default defineRule({
  code: 'bad-version',
  title: 'Unsupported header version',
  severity: 'error',
  category: 'corruption',
  phase: 'header',
  doc: `The version field "must be 2". Another value means a format this tool does not know (or a damaged header),
so no other field can be trusted. QEMU refuses the image ("Image not in Parallels format"). Not repaired.`,
  check(ctx) {
    const h = ctx.image.header;
    if (h.variant === undefined || h.bytesPresent < H.version + 4 || h.version === VERSION) return [];
    return [ctx.finding(this, `version is ${h.version}, not ${VERSION}`, H.version, H_SIZE.version)];
  },
});
