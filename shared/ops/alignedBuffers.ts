/**
 * Buffers whose memory starts on a 4 KiB boundary, for O_DIRECT writes (the kernel refuses, with EINVAL, a user
 * address below the device's memory alignment: 512 bytes on the benchmark machine's virtio disk, as little as 4 on
 * NVMe). JavaScript cannot ask for an aligned Buffer or learn a Buffer's address, but a
 * WebAssembly.Memory is reserved in whole pages of the operating system, so its byte 0 is page-aligned and so is
 * every multiple of 4096 in it. Where that is not true after all, the first direct write fails with EINVAL, which
 * writes nothing, and rawWriter.ts falls back to buffered writes.
 */
import { type WasmMemory, webAssembly } from '../io/webAssemblyApi';

/**
 * The alignment direct writes use: a 4 KiB page, which covers 512-byte and 4 KiB logical sectors alike (on a kernel
 * of larger pages a direct write and a buffered one may share a cached page: the kernel writes it back first).
 */
export const DIRECT_ALIGN = 4096;

const WASM_PAGE = 65536;

/** `n` rounded up to a multiple of DIRECT_ALIGN. */
export function alignUp(n: number): number {
  return Math.ceil(n / DIRECT_ALIGN) * DIRECT_ALIGN;
}

/**
 * `count` buffers of `size` bytes each, every one starting at a multiple of DIRECT_ALIGN in one WebAssembly memory;
 * undefined where WebAssembly is missing (node --jitless) or the memory cannot be had.
 */
export function alignedBuffers(count: number, size: number): Buffer[] | undefined {
  if (webAssembly === undefined || count < 1 || size < 1) return undefined;
  const stride = alignUp(size);
  const pages = Math.ceil((stride * count) / WASM_PAGE);
  let memory: WasmMemory;
  try {
    // Never grown: growing would detach the views below.
    memory = new webAssembly.Memory({ initial: pages, maximum: pages });
  } catch {
    return undefined;
  }
  return Array.from({ length: count }, (_, k) => Buffer.from(memory.buffer, k * stride, size));
}
