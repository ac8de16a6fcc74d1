import type { KeyLike } from 'jose';

import { SUBGRAPHS } from '../schema/registry';
import { developmentKeyPaths, ensureDevelopmentKeys, loadPrivateKey } from '../subgraphs/kit/auth/keys';
import { createJwtVerifier, DEV_AUDIENCE, DEV_ISSUER, type JwtConfig } from './auth/jwt';
import { DEFAULT_LIMITS, type Limits } from './limits';

/** Where each subgraph is reached: SUBGRAPH_URL_<NAME> overrides the registry's default. */
export function subgraphUrlsFromEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return Object.fromEntries(SUBGRAPHS.map((s) => [s.name, env[s.urlEnv] ?? s.defaultUrl]));
}

export interface GatewaySecurity {
  authenticate: ReturnType<typeof createJwtVerifier>;
  internalPrivateKey: KeyLike;
}

/**
 * Caller authentication and the internal signing key, from the environment:
 * JWT_ISSUER, JWT_AUDIENCE, JWT_JWKS_URL or JWT_PUBLIC_KEY_FILE, INTERNAL_PRIVATE_KEY_FILE.
 * Outside production, unset values fall back to the development keys under .data/keys
 * (`npm run token` mints tokens for them).
 */
export async function loadGatewaySecurity(env: NodeJS.ProcessEnv = process.env): Promise<GatewaySecurity> {
  const production = env.NODE_ENV === 'production';
  const dev = production ? null : developmentKeyPaths();
  if (dev) await ensureDevelopmentKeys();
  const jwt: JwtConfig = {
    issuer: env.JWT_ISSUER ?? (production ? '' : DEV_ISSUER),
    audience: env.JWT_AUDIENCE ?? (production ? '' : DEV_AUDIENCE),
    ...(env.JWT_JWKS_URL
      ? { jwksUrl: env.JWT_JWKS_URL }
      : { publicKeyFile: env.JWT_PUBLIC_KEY_FILE ?? dev?.callerPublicKeyPath }),
  };
  const internalKeyFile = env.INTERNAL_PRIVATE_KEY_FILE ?? dev?.internalPrivateKeyPath;
  if (!internalKeyFile) throw new Error('INTERNAL_PRIVATE_KEY_FILE is required in production');
  return { authenticate: createJwtVerifier(jwt), internalPrivateKey: await loadPrivateKey(internalKeyFile) };
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer; got "${raw}"`);
  return value;
}

export function limitsFromEnv(env: NodeJS.ProcessEnv = process.env): Limits {
  return {
    maxDepth: positiveInt(env, 'LIMIT_MAX_DEPTH', DEFAULT_LIMITS.maxDepth),
    maxAliases: positiveInt(env, 'LIMIT_MAX_ALIASES', DEFAULT_LIMITS.maxAliases),
    maxCost: positiveInt(env, 'LIMIT_MAX_COST', DEFAULT_LIMITS.maxCost),
    maxBatch: positiveInt(env, 'LIMIT_MAX_BATCH', DEFAULT_LIMITS.maxBatch),
    maxBodyBytes: positiveInt(env, 'LIMIT_MAX_BODY_BYTES', DEFAULT_LIMITS.maxBodyBytes),
  };
}

/** Introspection and the Sandbox landing page: on by default, off with EXPOSE_SCHEMA=false (production). */
export function exposeSchemaFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const raw = env.EXPOSE_SCHEMA;
  if (raw === undefined || raw === '') return true;
  if (raw !== 'true' && raw !== 'false') throw new Error(`EXPOSE_SCHEMA must be true or false; got "${raw}"`);
  return raw === 'true';
}

export function subgraphTimeoutFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return positiveInt(env, 'SUBGRAPH_TIMEOUT_MS', 3000);
}
