const SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/**
 * A byte count the way qemu-img prints sizes ("260 KiB", "1.5 GiB", "64 GiB", "512 B"): the largest binary unit
 * that keeps the number below 1000, three significant digits (printf's %0.3g).
 */
export function qemuSize(bytes: number): string {
  let unit = 0;
  // Switch to the next unit once the number would reach 1000 (so 1000 KiB shows as 0.977 MiB, as qemu-img does).
  while (unit < SUFFIXES.length - 1 && bytes * 1.024 >= 1024 ** (unit + 1)) unit++;
  return `${g3(bytes / 1024 ** unit)} ${SUFFIXES[unit]}B`;
}

/** printf("%0.3g"): three significant digits, trailing zeros dropped. */
function g3(v: number): string {
  if (v === 0) return '0';
  return String(Number(v.toPrecision(3)));
}
