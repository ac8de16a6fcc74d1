import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { KeyLike } from 'jose';

import { identityFromClaims, REAL_NAME_CLAIM } from '../../subgraphs/kit/platform/auth/identity';
import { INTERNAL_TOKEN_HEADER, operationDigest } from '../../subgraphs/kit/platform/auth/internal-token';
import { type Logger, logger as rootLogger } from '../../subgraphs/kit/platform/log';
import { acceptRequestId } from '../../subgraphs/kit/platform/request-id';
import { INVALID_TOKEN_MESSAGE } from '../auth/jwt';
import { InternalTokenIssuer } from '../internal-tokens';

// Apollo Router external coprocessor (protocol version 1), SubgraphRequest stage: the router has
// verified the caller's JWT (authentication.router.jwt in router/router.yaml) and put its claims
// in the request context; this turns them into Mente's identity (identityFromClaims, the mapping
// of gateway/auth/jwt.ts) and adds the internal token for that subgraph (serviceName) and that
// operation (the body the router shows us). The router re-serializes the body after we answer,
// so the token is bound to the canonical operation digest (operationDigest), which the subgraph
// recomputes from what it parses. Every other stage passes through unchanged.

export const JWT_CLAIMS_KEY = 'apollo::authentication::jwt_claims';

/** The coprocessor payload fields used here (https://www.apollographql.com/docs/graphos/routing/customization/coprocessor/reference). */
export interface CoprocessorPayload {
  version: number;
  stage: string;
  control: 'continue' | { break: number };
  id: string;
  serviceName?: string;
  headers?: Record<string, string[]>;
  body?: unknown;
  context?: { entries?: Record<string, unknown> };
  [other: string]: unknown;
}

export interface CoprocessorOptions {
  /** The gateway's INTERNAL_PRIVATE_KEY_FILE key. */
  internalPrivateKey: KeyLike;
  /** Internal token lifetime, seconds; default the issuer's. */
  ttlSeconds?: number;
  /** When set, claims must carry this `iss` / `aud` (in case the router's JWT config checks less). */
  issuer?: string;
  audience?: string;
  logger?: Logger;
}

const refusal = (status: number, code: string, message: string) => ({
  control: { break: status },
  body: { errors: [{ message, extensions: { code } }] },
});

/**
 * One coprocessor exchange: the router's payload in, the payload to answer out. Without claims the
 * request goes on anonymous, with no token (and any token a client smuggled in removed). Claims
 * that do not map to an identity (a role that does not exist, an applicant without personId, the
 * wrong issuer or audience) end the client request with 401 UNAUTHENTICATED, as the Apollo gateway
 * answers such a token, rather than silently serving it as anonymous.
 */
function createCoprocessor(options: CoprocessorOptions): (payload: CoprocessorPayload) => CoprocessorPayload {
  const tokens = new InternalTokenIssuer(options.internalPrivateKey, options.ttlSeconds);
  const log = (options.logger ?? rootLogger).child({ service: 'coprocessor' });
  return (payload) => {
    if (payload.stage !== 'SubgraphRequest') return payload;
    const headers: Record<string, string[]> = {};
    for (const [name, values] of Object.entries(payload.headers ?? {})) {
      if (name.toLowerCase() !== INTERNAL_TOKEN_HEADER) headers[name] = values;
    }
    const requestId = acceptRequestId(payload.id);
    if (requestId) headers['x-request-id'] = [requestId];
    const claims = payload.context?.entries?.[JWT_CLAIMS_KEY];
    if (claims === undefined || claims === null) return { ...payload, headers };
    const service = payload.serviceName;
    const c = (typeof claims === 'object' ? claims : {}) as Record<string, unknown>;
    const result = identityFromClaims({
      role: c.role,
      personId: c.personId,
      regionCode: c.regionCode,
      subject: c.sub,
      realNameVerified: c[REAL_NAME_CLAIM],
      hospitalCode: c.hospitalCode,
    });
    const wrongIssuer = options.issuer !== undefined && c.iss !== options.issuer;
    const audiences = Array.isArray(c.aud) ? c.aud : [c.aud];
    const wrongAudience = options.audience !== undefined && !audiences.includes(options.audience);
    if ('reason' in result || wrongIssuer || wrongAudience) {
      const reason = 'reason' in result ? result.reason : wrongIssuer ? 'wrong issuer' : 'wrong audience';
      log.warn({ requestId, subgraph: service, reason }, `caller claims refused for ${service}: ${reason}`);
      return { ...payload, headers, ...refusal(401, 'UNAUTHENTICATED', INVALID_TOKEN_MESSAGE) };
    }
    if (!service || !operationDigest(payload.body as object)) {
      // A router.yaml without `body: true` / `service_name: true`: nothing to bind a token to.
      log.error(
        { requestId, subgraph: service },
        'SubgraphRequest without serviceName or a GraphQL body: check router.yaml',
      );
      return { ...payload, headers, ...refusal(500, 'INTERNAL_SERVER_ERROR', '服务暂时不可用，请稍后再试') };
    }
    const token = tokens.tokenFor(result.identity, service, payload.body as object);
    if (token) headers[INTERNAL_TOKEN_HEADER] = [token];
    return { ...payload, headers };
  };
}

export interface RunningCoprocessor {
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_PAYLOAD_BYTES = 1024 * 1024;

/** The coprocessor over HTTP: POST / (the router's `coprocessor.url`), GET /health. */
export async function startCoprocessor(
  options: CoprocessorOptions & { port?: number; host?: string },
): Promise<RunningCoprocessor> {
  const handle = createCoprocessor(options);
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_PAYLOAD_BYTES) req.destroy();
      else chunks.push(chunk);
    });
    req.on('end', () => {
      let payload: CoprocessorPayload;
      try {
        payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as CoprocessorPayload;
        if (typeof payload !== 'object' || payload === null || payload.version !== 1) throw new Error('version');
      } catch {
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end('{"error":"not a version 1 coprocessor payload"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(handle(payload)));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
