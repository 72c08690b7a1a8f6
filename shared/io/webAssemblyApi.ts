/**
 * The part of the WebAssembly JS API the engine uses, declared once: Node has it, but the engine's layer compiles
 * without the DOM library, which is where TypeScript declares it. `webAssembly` is undefined in a runtime without
 * it (node --jitless); its users then take their plain TypeScript paths.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

export interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: { scan: { memory: WasmMemory } }) => { exports: unknown };
  /** Pages of 64 KiB; the memory's byte 0 is where the operating system's page allocator put it. */
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
}

declare const WebAssembly: WebAssemblyApi | undefined;

export const webAssembly: WebAssemblyApi | undefined = typeof WebAssembly === 'undefined' ? undefined : WebAssembly;
