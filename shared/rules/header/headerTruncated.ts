import { defineRule } from '../rule';
import { HEADER_SIZE } from '../../format/constants';

export default defineRule({
  code: 'header-truncated',
  title: 'File shorter than the header',
  severity: 'error',
  category: 'corruption',
  phase: 'header',
  doc: `The header is 64 bytes. A shorter file lacks fields that locate the BAT and the data, so it cannot be read
as an image. The fields present are still shown. Not repaired: the missing values cannot be guessed.`,
  check(ctx) {
    const h = ctx.image.header;
    if (h.bytesPresent >= HEADER_SIZE || h.variant === undefined) return [];
    return [ctx.finding(this, `the file is ${h.bytesPresent} bytes long, shorter than the ${HEADER_SIZE}-byte header`, 0, Math.max(1, h.bytesPresent))];
  },
});
