import { randomUUID } from 'node:crypto';

import { GraphQLError } from 'graphql';

import type { Identity } from '../../subgraphs/kit/platform/auth/identity';
import { INTERNAL_TOKEN_HEADER } from '../../subgraphs/kit/platform/auth/internal-token';
import { acceptRequestId } from '../../subgraphs/kit/platform/request-id';
import { AuthError } from '../auth/jwt';
import type { GatewaySecurity } from '../config';
import { InternalTokenIssuer } from '../internal-tokens';

// The Apollo gateway's caller authentication and internal tokens, as a Hive Gateway plugin. The
// plugin API is typed locally (structurally) on purpose: @graphql-hive/gateway's own typings pull
// TypeScript's DOM library into the whole program (see test/hive-gateway.int.test.ts).

/** The part of the Hive/Yoga context this plugin reads and adds. */
export interface MenteHiveContext {
  request: { headers: { get(name: string): string | null } };
  menteIdentity?: Identity;
  menteRequestId?: string;
}

/** The onFetch payload fields used here (OnFetchHookPayload in @graphql-mesh/types). */
export interface HiveFetchPayload {
  url: string;
  options: { body?: unknown; headers?: Record<string, string> };
  setOptions(options: { body?: unknown; headers?: Record<string, string> }): void;
  context?: Partial<MenteHiveContext>;
  executionRequest?: { subgraphName?: string };
}

export interface HivePlugin {
  onContextBuilding(payload: {
    context: MenteHiveContext;
    extendContext(extension: Partial<MenteHiveContext>): void;
  }): Promise<void>;
  onFetch(payload: HiveFetchPayload): void;
}

export interface MenteHiveOptions {
  /** The gateway's caller verifier and internal signing key (loadGatewaySecurity); may still be loading. */
  security: GatewaySecurity | Promise<GatewaySecurity>;
  /** Internal token lifetime, seconds (INTERNAL_TOKEN_TTL_SECONDS); default the issuer's. */
  ttlSeconds?: number;
  /** Told about every fetch that got a token (tests). */
  onSigned?: (fetch: { subgraph: string; body: string; token: string }) => void;
}

/**
 * Verifies the caller's `Authorization: Bearer` JWT once per request (as gateway/auth/jwt.ts on the
 * Apollo gateway: a bad token is HTTP 401 UNAUTHENTICATED, no header is anonymous) and signs, in
 * onFetch, one internal token per subgraph fetch: audience that subgraph (Hive's
 * executionRequest.subgraphName), bound to the operation in the body Hive is about to send.
 * onFetch is where Hive hands the final JSON text to fetch, so the token is computed from exactly
 * what leaves; the digest is canonical (operationDigest) in any case. Anonymous callers get no token.
 */
export function useMenteInternalTokens(options: MenteHiveOptions): HivePlugin {
  let issuer: Promise<{ security: GatewaySecurity; tokens: InternalTokenIssuer }> | undefined;
  const ready = () =>
    (issuer ??= Promise.resolve(options.security).then((security) => ({
      security,
      tokens: new InternalTokenIssuer(security.internalPrivateKey, options.ttlSeconds),
    })));
  let tokens: InternalTokenIssuer | undefined;
  return {
    async onContextBuilding({ context, extendContext }) {
      const loaded = await ready();
      tokens = loaded.tokens;
      const requestId = acceptRequestId(context.request.headers.get('x-request-id') ?? undefined) ?? randomUUID();
      let identity: Identity;
      try {
        identity = await loaded.security.authenticate(context.request.headers.get('authorization') ?? undefined);
      } catch (e) {
        if (e instanceof AuthError) {
          throw new GraphQLError(e.message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
        }
        throw e;
      }
      extendContext({ menteIdentity: identity, menteRequestId: requestId });
    },
    onFetch({ options: fetchOptions, setOptions, context, executionRequest }) {
      const identity = context?.menteIdentity;
      const subgraph = executionRequest?.subgraphName;
      // Not a subgraph fetch of a request we authenticated (e.g. a health probe): nothing to add.
      if (!identity || !subgraph || !tokens) return;
      const headers: Record<string, string> = { ...fetchOptions.headers };
      if (context.menteRequestId) headers['x-request-id'] = context.menteRequestId;
      if (identity.role !== 'ANONYMOUS') {
        // Hive sends a JSON string; anything else (a stream) cannot be bound, so it goes anonymous.
        if (typeof fetchOptions.body !== 'string') return;
        const token = tokens.tokenFor(identity, subgraph, fetchOptions.body);
        if (token) {
          headers[INTERNAL_TOKEN_HEADER] = token;
          options.onSigned?.({ subgraph, body: fetchOptions.body, token });
        }
      }
      setOptions({ ...fetchOptions, headers });
    },
  };
}
