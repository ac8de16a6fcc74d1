import { performance } from 'node:perf_hooks';

// One circuit breaker per subgraph: a region that keeps timing out or refusing connections is
// not asked again for a while, so its outage costs each request milliseconds instead of the
// whole deadline. Only timeouts and connection failures count: a subgraph that answers (even
// with an error) is reachable. After the open period one probe is let through (half-open); its
// success closes the circuit, its failure opens it again.

export type CircuitState = 'closed' | 'half-open' | 'open';

/** Gauge values of mente_subgraph_circuit_state. */
export const CIRCUIT_STATE_VALUE: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 };

export interface CircuitBreakerOptions {
  /** Consecutive timeouts or connection failures (within windowMs) that open the circuit (CIRCUIT_BREAKER_FAILURES); default 3. */
  failures?: number;
  /** Failures older than this do not count towards opening (CIRCUIT_BREAKER_WINDOW_MS); default 10000. */
  windowMs?: number;
  /** How long an open circuit fails fast before one probe is let through (CIRCUIT_BREAKER_OPEN_MS); default 5000. */
  openMs?: number;
}

export const DEFAULT_CIRCUIT_BREAKER = { failures: 3, windowMs: 10_000, openMs: 5000 } as const;

/** What a fetch may do now: go ahead (maybe as the half-open probe) or fail fast. */
export type Admission = { allowed: true; probe: boolean } | { allowed: false; retryAfterMs: number };

export class CircuitBreaker {
  private state: CircuitState = 'closed';
  /** When the recent consecutive failures happened (performance.now()). */
  private failureTimes: number[] = [];
  private openedAt = 0;
  private probing = false;
  private readonly failures: number;
  private readonly windowMs: number;
  readonly openMs: number;

  constructor(
    readonly subgraph: string,
    options: CircuitBreakerOptions = {},
    private readonly onTransition?: (subgraph: string, to: CircuitState) => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.failures = options.failures ?? DEFAULT_CIRCUIT_BREAKER.failures;
    this.windowMs = options.windowMs ?? DEFAULT_CIRCUIT_BREAKER.windowMs;
    this.openMs = options.openMs ?? DEFAULT_CIRCUIT_BREAKER.openMs;
  }

  /** The state as of now: an open circuit whose period has passed reads half-open. */
  get current(): CircuitState {
    if (this.state === 'open' && this.now() - this.openedAt >= this.openMs) this.moveTo('half-open');
    return this.state;
  }

  /** Asked before every fetch; a half-open circuit lets exactly one fetch through at a time. */
  admit(): Admission {
    const state = this.current;
    if (state === 'closed') return { allowed: true, probe: false };
    if (state === 'half-open' && !this.probing) {
      this.probing = true;
      return { allowed: true, probe: true };
    }
    const retryAfterMs = state === 'open' ? Math.max(0, Math.ceil(this.openMs - (this.now() - this.openedAt))) : 0;
    return { allowed: false, retryAfterMs };
  }

  /** The subgraph answered (any HTTP status): it is reachable. */
  succeeded(probe: boolean): void {
    if (probe) this.probing = false;
    this.failureTimes = [];
    if (this.state !== 'closed') this.moveTo('closed');
  }

  /** A timeout or a connection failure. */
  failed(probe: boolean): void {
    const now = this.now();
    if (probe) this.probing = false;
    if (this.state === 'half-open' || this.state === 'open') {
      if (probe) this.open(now);
      return;
    }
    this.failureTimes = [...this.failureTimes.filter((t) => now - t < this.windowMs), now];
    if (this.failureTimes.length >= this.failures) this.open(now);
  }

  /** The fetch ended some other way (e.g. cancelled): a probe slot is released, nothing learnt. */
  released(probe: boolean): void {
    if (probe) this.probing = false;
  }

  private open(now: number): void {
    this.openedAt = now;
    this.failureTimes = [];
    this.moveTo('open');
  }

  private moveTo(to: CircuitState): void {
    if (this.state === to) return;
    this.state = to;
    this.onTransition?.(this.subgraph, to);
  }
}
