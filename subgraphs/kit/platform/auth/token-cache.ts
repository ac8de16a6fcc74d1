/**
 * Remembers tokens whose signature has been checked, so a token presented again is not verified
 * again (an Ed25519 or RSA verification per request is among the largest fixed costs of a hop).
 * Keyed by the exact token string: only the same bytes hit, so nothing can be forged into the
 * cache. An entry lives until the token's own expiry or `maxAgeSeconds`, whichever comes first
 * (the cap bounds how long a key rotated out of a JWKS keeps working for tokens already seen).
 * Bounded: the oldest entries go first when it is full. Failures are never cached.
 */
export class VerifiedTokenCache<T> {
  private readonly entries = new Map<string, { value: T; until: number }>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly maxAgeSeconds = 60,
  ) {}

  /** The remembered result, or undefined when unknown or past its time at `nowSeconds`. */
  get(token: string, nowSeconds: number): T | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (nowSeconds >= entry.until) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.value;
  }

  /** Remembers a verified token until `expiresAtSeconds` (its exp, tolerance included). */
  set(token: string, value: T, nowSeconds: number, expiresAtSeconds: number): void {
    const until = Math.min(expiresAtSeconds, nowSeconds + this.maxAgeSeconds);
    if (!(until > nowSeconds)) return;
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(token, { value, until });
  }

  get size(): number {
    return this.entries.size;
  }
}
