import express from 'express';
import type { KeyLike } from 'jose';

import { NATIONAL } from '../../schema/registry';
import { createRegionTokenVerifier, REGION_TOKEN_HEADER } from '../kit/platform/auth/region-token';
import type { Logger } from '../kit/platform/log';

// Every region → national internal route (POST /internal/person-history, POST /internal/person-facts)
// is checked here, by one verifier and so one replay cache: a token is good for one request on one
// route, signed by the key of the region it names (kit/platform/auth/region-token.ts). A region never
// holds the gateway's internal key; it can only ask what these routes answer, as itself.

/** A route's handler, called only for a verified token: the raw body and the signing region. */
export type RegionHandler = (
  req: express.Request,
  res: express.Response,
  caller: { regionCode: string; body: Buffer },
) => Promise<void>;

export interface RegionRoutes {
  /** Mounts POST `path` (raw body up to `limit`): 401 for a missing, forged, expired, replayed or foreign token. */
  post(app: express.Express, path: string, handler: RegionHandler, limit?: string): void;
}

export function regionRoutes(regionKeys: ReadonlyMap<string, KeyLike>, log: Logger): RegionRoutes {
  const verify = createRegionTokenVerifier(regionKeys, NATIONAL.name);
  return {
    post(app, path, handler, limit = '16kb') {
      app.post(path, express.raw({ type: '*/*', limit }), async (req, res) => {
        const raw = Buffer.isBuffer(req.body) ? req.body : undefined;
        const check = verify(req.header(REGION_TOKEN_HEADER), raw);
        if (!check.ok) {
          log.warn({ reason: check.reason, path }, 'region request refused');
          res.status(401).json({ error: 'UNAUTHENTICATED', reason: check.reason });
          return;
        }
        await handler(req, res, { regionCode: check.regionCode, body: raw! });
      });
    },
  };
}

/** Parses a verified body as JSON; undefined when it is not JSON. */
export function jsonBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}
