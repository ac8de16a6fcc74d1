import type { IncomingMessage } from 'node:http';

// The exact bytes of a request body as received, kept beside the parsed JSON so a subgraph can
// check the internal token's body digest against what really arrived (not a re-serialization).

const RAW_BODY = Symbol('mente.rawBody');

type WithRawBody = IncomingMessage & { [RAW_BODY]?: Buffer };

/** For express.json({ verify }): remembers the body buffer (a reference, no copy). */
export function keepRawBody(req: IncomingMessage, _res: unknown, buffer: Buffer): void {
  (req as WithRawBody)[RAW_BODY] = buffer;
}

/** The body as received, or undefined when none was parsed (GET, another content type). */
export function rawBodyOf(req: IncomingMessage): Buffer | undefined {
  return (req as WithRawBody)[RAW_BODY];
}
