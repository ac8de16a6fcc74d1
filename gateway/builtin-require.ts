import Module from 'node:module';

// Apollo Server hashes every operation (computeQueryHash → @apollo/utils.createhash), and that
// helper calls `module.require('crypto')` on every call. Node answers a built-in module name at the
// top of Module._resolveFilename; tsx (`node --import tsx`, how the gateway runs) wraps
// _resolveFilename and resolves the name through its own hooks first, every time: in the gateway's
// CPU profile that was ~3% of a catalogue request's CPU. This puts Node's own built-in check back
// in front: a built-in name (`crypto`, `node:crypto`) resolves to itself, as Node does; every other
// request goes through tsx (and Node) unchanged.

type Resolve = (request: string, ...rest: unknown[]) => string;

let installed = false;

/** Idempotent; call once at process start, after tsx has registered. */
export function resolveBuiltinsFirst(): void {
  if (installed) return;
  installed = true;
  const loader = Module as unknown as { _resolveFilename: Resolve };
  const resolve = loader._resolveFilename;
  const builtins = new Set(Module.builtinModules);
  loader._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
    if (
      typeof request === 'string' &&
      (builtins.has(request) || (request.startsWith('node:') && Module.isBuiltin(request)))
    )
      return request;
    return resolve.call(this, request, ...rest);
  };
}
