// TypeScript declares WebAssembly only in its DOM libraries and @types/node 20 not at all; the
// console sandbox needs only this much of it (a compiled module, handed to its worker threads).
declare namespace WebAssembly {
  type Module = { readonly [Symbol.toStringTag]: 'WebAssembly.Module' };
  function compile(bytes: Uint8Array): Promise<Module>;
}
