import type express from 'express';

import { ANONYMOUS } from '../subgraphs/kit/platform/auth/identity';
import { addressKey, callerKey, clientAddress, MemoryCounters } from './rate-limit';

const request = (remoteAddress: string, forwardedFor?: string) =>
  ({
    socket: { remoteAddress },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  }) as unknown as express.Request;

describe('client address', () => {
  it('is the socket address unless proxies are trusted', () => {
    expect(clientAddress(request('10.0.0.5', '203.0.113.9'), 0)).toBe('10.0.0.5');
    expect(clientAddress(request('10.0.0.5', '203.0.113.9'), 1)).toBe('203.0.113.9');
  });

  it('with n trusted hops takes the address n entries from the right; a forged prefix is ignored', () => {
    expect(clientAddress(request('10.0.0.5', '198.51.100.1, 203.0.113.9'), 1)).toBe('203.0.113.9');
    expect(clientAddress(request('10.0.0.5', '198.51.100.1, 203.0.113.9, 10.0.0.4'), 2)).toBe('203.0.113.9');
    // Fewer entries than hops: the leftmost; not an address at all: the socket's.
    expect(clientAddress(request('10.0.0.5', '203.0.113.9'), 3)).toBe('203.0.113.9');
    expect(clientAddress(request('10.0.0.5', 'evil'), 1)).toBe('10.0.0.5');
  });

  it('keys IPv4 (mapped too) as is and IPv6 by its /64', () => {
    expect(addressKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff:1:2:3')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
  });

  it('a signed-in caller is keyed by a hash of the subject, never the subject itself', () => {
    const key = callerKey({ role: 'APPLICANT', personId: 'P000001', subject: 'P000001' }, '1.2.3.4');
    expect(key).toMatch(/^u:[0-9a-f]{32}$/);
    expect(key).not.toContain('P000001');
    expect(callerKey(ANONYMOUS, '1.2.3.4')).toBe('a:1.2.3.4');
  });
});

describe('MemoryCounters', () => {
  it('counts in a one-minute window that starts with the first hit', async () => {
    let now = 1_000_000;
    const counters = new MemoryCounters(100, () => now);
    expect(await counters.hit('k', 5)).toEqual({ count: 5, resetMs: 60_000 });
    now += 59_000;
    expect(await counters.hit('k', 1)).toEqual({ count: 6, resetMs: 1000 });
    now += 1000;
    expect(await counters.hit('k', 1)).toEqual({ count: 1, resetMs: 60_000 });
  });

  it('stays bounded: ended windows go first, then the oldest', async () => {
    let now = 0;
    const counters = new MemoryCounters(10, () => now);
    for (let i = 0; i < 10; i++) await counters.hit(`old${i}`, 1);
    now += 61_000;
    await counters.hit('new', 1);
    expect(counters.size).toBe(1);
    for (let i = 0; i < 50; i++) await counters.hit(`k${i}`, 1);
    expect(counters.size).toBeLessThanOrEqual(10);
    expect((await counters.hit('k49', 1)).count).toBe(2); // the newest are kept
  });
});
