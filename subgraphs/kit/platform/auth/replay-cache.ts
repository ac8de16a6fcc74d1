/**
 * The jtis of internal tokens a subgraph process has accepted, each kept until its token expires
 * (clock tolerance included), so a captured token cannot be used a second time. Bounded: when
 * every slot holds an unexpired jti, add() answers 'full' and the caller refuses the token, since
 * forgetting a live jti early would let that token be replayed. Tokens are signed in time order,
 * so expiries arrive roughly in insertion order and a sweep from the oldest end is enough.
 */
export class ReplayCache {
  private readonly until = new Map<string, number>();

  constructor(private readonly maxEntries = 200_000) {}

  /** Records `jti` until `untilSeconds`: 'added', or 'seen' (a replay), or 'full'. */
  add(jti: string, untilSeconds: number, nowSeconds: number): 'added' | 'seen' | 'full' {
    const known = this.until.get(jti);
    if (known !== undefined && known > nowSeconds) return 'seen';
    this.sweep(nowSeconds, false);
    if (this.until.size >= this.maxEntries) this.sweep(nowSeconds, true);
    if (this.until.size >= this.maxEntries) return 'full';
    this.until.set(jti, untilSeconds);
    return 'added';
  }

  /** Drops expired jtis from the oldest end, stopping at the first live one unless `all`. */
  private sweep(nowSeconds: number, all: boolean): void {
    for (const [jti, until] of this.until) {
      if (until > nowSeconds) {
        if (all) continue;
        return;
      }
      this.until.delete(jti);
    }
  }

  get size(): number {
    return this.until.size;
  }
}
