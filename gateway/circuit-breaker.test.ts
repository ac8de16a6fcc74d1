import { CircuitBreaker, type CircuitState } from './circuit-breaker';

describe('CircuitBreaker', () => {
  let now = 0;
  let transitions: CircuitState[];
  const make = () => {
    transitions = [];
    now = 0;
    return new CircuitBreaker('guangdong-yunfu', { failures: 3, windowMs: 10_000, openMs: 5000 }, (_s, to) =>
      transitions.push(to),
    );
  };
  const clocked = () => {
    transitions = [];
    now = 0;
    return new CircuitBreaker(
      'guangdong-yunfu',
      { failures: 3, windowMs: 10_000, openMs: 5000 },
      (_s, to) => transitions.push(to),
      () => now,
    );
  };

  it('opens after 3 consecutive failures and fails fast until the open period ends', () => {
    const breaker = clocked();
    for (let i = 0; i < 2; i++) {
      expect(breaker.admit()).toEqual({ allowed: true, probe: false });
      breaker.failed(false);
    }
    expect(breaker.current).toBe('closed');
    breaker.failed(false);
    expect(breaker.current).toBe('open');
    now = 1000;
    expect(breaker.admit()).toEqual({ allowed: false, retryAfterMs: 4000 });
    expect(transitions).toEqual(['open']);
  });

  it('a success in between resets the count; failures older than the window do not count', () => {
    const breaker = clocked();
    breaker.failed(false);
    breaker.failed(false);
    breaker.succeeded(false);
    breaker.failed(false);
    breaker.failed(false);
    expect(breaker.current).toBe('closed');
    now = 20_000; // the two above are now older than the window
    breaker.failed(false);
    breaker.failed(false);
    expect(breaker.current).toBe('closed');
    breaker.failed(false);
    expect(breaker.current).toBe('open');
  });

  it('half-open lets exactly one probe through; its success closes, its failure opens again', () => {
    const breaker = clocked();
    for (let i = 0; i < 3; i++) breaker.failed(false);
    now = 5000;
    expect(breaker.current).toBe('half-open');
    expect(breaker.admit()).toEqual({ allowed: true, probe: true });
    expect(breaker.admit()).toEqual({ allowed: false, retryAfterMs: 0 }); // the probe is still out
    breaker.failed(true);
    expect(breaker.current).toBe('open');
    now = 10_000;
    expect(breaker.admit()).toEqual({ allowed: true, probe: true });
    breaker.succeeded(true);
    expect(breaker.current).toBe('closed');
    expect(transitions).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
  });

  it('late failures of fetches sent before it opened do not extend the open period', () => {
    const breaker = make();
    for (let i = 0; i < 3; i++) breaker.failed(false);
    breaker.failed(false);
    expect(transitions).toEqual(['open']);
  });
});
