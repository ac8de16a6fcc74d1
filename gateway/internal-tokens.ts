import type { KeyLike } from 'jose';

import type { Identity } from '../subgraphs/kit/auth/identity';
import { DEFAULT_INTERNAL_TTL_SECONDS, signInternalToken } from '../subgraphs/kit/auth/internal-token';

/** Everything an internal token says about its caller, as one string. */
const identityKey = (identity: Identity): string =>
  [
    identity.role,
    'personId' in identity ? identity.personId : '',
    'regionCode' in identity ? identity.regionCode : '',
    'subject' in identity ? identity.subject : '',
  ].join('\u0000');

/**
 * Issues the gateway → subgraph internal tokens: one per caller, reused for the first half of its
 * lifetime (30 of 60 s by default), so a busy caller costs one Ed25519 signature per half-minute
 * instead of one per request, and subgraphs see the same token again and answer it from their
 * verification cache. A token presented to a subgraph therefore always has at least half its
 * lifetime left. Bounded: the oldest callers are forgotten first. A failed signature is not kept.
 */
export class InternalTokenIssuer {
  private readonly tokens = new Map<string, { token: Promise<string>; renewAt: number }>();

  constructor(
    private readonly privateKey: KeyLike,
    private readonly ttlSeconds = DEFAULT_INTERNAL_TTL_SECONDS,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  tokenFor(identity: Identity): Promise<string> {
    const key = identityKey(identity);
    const now = this.now();
    const known = this.tokens.get(key);
    if (known && now < known.renewAt) return known.token;
    if (known) this.tokens.delete(key);
    else if (this.tokens.size >= this.maxEntries) {
      const oldest = this.tokens.keys().next();
      if (!oldest.done) this.tokens.delete(oldest.value);
    }
    const token = signInternalToken(this.privateKey, { identity }, this.ttlSeconds);
    const entry = { token, renewAt: now + (this.ttlSeconds * 1000) / 2 };
    this.tokens.set(key, entry);
    token.catch(() => {
      if (this.tokens.get(key) === entry) this.tokens.delete(key);
    });
    return token;
  }
}
