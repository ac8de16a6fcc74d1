import type { KeyObject } from 'node:crypto';

import type { KeyLike } from 'jose';

import { NATIONAL } from '../../../schema/registry';
import type { HospitalLevel } from '../domain/policy';
import type { NationalPerson } from '../domain/residence';
import type { Identity } from '../platform/auth/identity';
import { REGION_TOKEN_HEADER, signRegionToken } from '../platform/auth/region-token';
import type { Logger } from '../platform/log';

export type { NationalPerson };

// The one region → national synchronous look-up: what the national subgraph knows that a region
// must not take from the applicant's word — where the person lives (常住地, the national index) and
// which hospital issued a piece of medical proof (the national hospital directory). One POST per
// submission at most, to the national POST /internal/person-facts, signed with the REGION's own
// key (platform/auth/region-token.ts: issuer the region, national audience, bound to the body,
// single-use, 30 s) — never with the gateway's internal key, which a region does not hold. The
// national subgraph answers only these facts and audits each person read (actor REGION:<code>).
// Short timeout, small cache; a failure is NationalUnavailableError, which the workflow turns into
// a problem (NATIONAL_SERVICE_UNAVAILABLE) with nothing stored.

export const PERSON_FACTS_PATH = '/internal/person-facts';

/** The body of POST /internal/person-facts. */
export interface PersonFactsRequest {
  personId: string | null;
  hospitalCodes: string[];
}

/** Its answer: every code asked is a key (null: the directory does not list it). */
export interface PersonFactsAnswer {
  person: NationalPerson | null;
  hospitals: Record<string, DirectoryHospital | null>;
}

/** A national hospital directory entry, as medical proof is checked against it. */
export interface DirectoryHospital {
  code: string;
  name: string;
  level: HospitalLevel;
  specialist: boolean;
  province: string;
  regionName: string;
}

export interface NationalFacts {
  /** Null when the index has no entry for the person. */
  person: NationalPerson | null;
  /** Every code asked: the entry, or null when the directory does not list it. */
  hospitals: Map<string, DirectoryHospital | null>;
}

export class NationalUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`national subgraph unavailable: ${reason}`);
    this.name = 'NationalUnavailableError';
  }
}

/** What the workflow needs; tests and other deployments may supply their own. */
export interface NationalLookup {
  /** The applicant (when given) and the directory entries of `hospitalCodes`, in one round trip. */
  facts(identity: Identity, personId: string | null, hospitalCodes: readonly string[]): Promise<NationalFacts>;
}

export interface NationalClientOptions {
  /** The national subgraph's base URL (http://host:port); a function when it is known only later (test stacks). */
  url: string | (() => string | undefined);
  /** The asking region's code: the token's issuer. */
  regionCode: string;
  /** This region's own signing key (REGION_SIGNING_KEY_FILE). */
  privateKey: KeyLike | KeyObject;
  /** The national subgraph's registry name (the token's audience); default NATIONAL.name. */
  audience?: string;
  /** Default 1500 ms: a submission waits no longer for the national subgraph. */
  timeoutMs?: number;
  /** How long an answer is reused; default 60 s. */
  cacheTtlMs?: number;
  /** Most answers kept; default 2000 (oldest dropped first). */
  cacheEntries?: number;
  logger?: Logger;
  now?: () => number;
}

interface CacheEntry {
  value: unknown;
  expires: number;
}

export class NationalClient implements NationalLookup {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly timeoutMs: number;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(private readonly options: NationalClientOptions) {
    this.timeoutMs = options.timeoutMs ?? 1500;
    this.ttlMs = options.cacheTtlMs ?? 60_000;
    this.maxEntries = options.cacheEntries ?? 2000;
    this.now = options.now ?? Date.now;
  }

  private cached(key: string): { hit: boolean; value?: unknown } {
    const entry = this.cache.get(key);
    if (!entry) return { hit: false };
    if (entry.expires <= this.now()) {
      this.cache.delete(key);
      return { hit: false };
    }
    return { hit: true, value: entry.value };
  }

  private remember(key: string, value: unknown): void {
    this.cache.delete(key);
    this.cache.set(key, { value, expires: this.now() + this.ttlMs });
    while (this.cache.size > this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
  }

  /** Look-ups in flight, by what they ask: parallel twins (a client retrying) share one request. */
  private readonly inFlight = new Map<string, Promise<NationalFacts>>();

  // The caller's identity is not sent: the region asks as itself, and the answer is the same for every caller.
  facts(_identity: Identity, personId: string | null, hospitalCodes: readonly string[]): Promise<NationalFacts> {
    const key = `${personId ?? ''}|${[...hospitalCodes].sort().join(',')}`;
    const running = this.inFlight.get(key);
    if (running) return running;
    const started = this.lookUp(personId, hospitalCodes).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }

  private async lookUp(personId: string | null, hospitalCodes: readonly string[]): Promise<NationalFacts> {
    const codes = [...new Set(hospitalCodes.map((c) => c.trim().toUpperCase()).filter(Boolean))];
    const hospitals = new Map<string, DirectoryHospital | null>();
    const missingCodes: string[] = [];
    for (const code of codes) {
      const hit = this.cached(`h:${code}`);
      if (hit.hit) hospitals.set(code, hit.value as DirectoryHospital | null);
      else missingCodes.push(code);
    }
    let person: NationalPerson | null = null;
    let askPerson = false;
    if (personId) {
      const hit = this.cached(`p:${personId}`);
      if (hit.hit) person = hit.value as NationalPerson | null;
      else askPerson = true;
    }
    if (!askPerson && missingCodes.length === 0) return { person, hospitals };

    const answer = await this.post({ personId: askPerson ? personId : null, hospitalCodes: missingCodes });
    if (askPerson) {
      person = answer.person ?? null;
      this.remember(`p:${personId}`, person);
    }
    for (const code of missingCodes) {
      const h = answer.hospitals?.[code] ?? null;
      hospitals.set(code, h);
      this.remember(`h:${code}`, h);
    }
    return { person, hospitals };
  }

  private async post(request: PersonFactsRequest): Promise<PersonFactsAnswer> {
    const base = typeof this.options.url === 'function' ? this.options.url() : this.options.url;
    if (!base) throw new NationalUnavailableError('no national subgraph URL configured');
    const body = JSON.stringify(request);
    let res: Response;
    try {
      res = await fetch(`${base.replace(/\/$/, '')}${PERSON_FACTS_PATH}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [REGION_TOKEN_HEADER]: signRegionToken(this.options.privateKey, {
            regionCode: this.options.regionCode,
            audience: this.options.audience ?? NATIONAL.name,
            body,
          }),
        },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      return this.fail((e as Error).name === 'TimeoutError' ? `timeout after ${this.timeoutMs} ms` : String(e));
    }
    let json: Partial<PersonFactsAnswer> & { error?: string; reason?: string };
    try {
      json = (await res.json()) as typeof json;
    } catch {
      return this.fail(`HTTP ${res.status}, not JSON`);
    }
    if (!res.ok || typeof json !== 'object' || json === null || typeof json.hospitals !== 'object') {
      return this.fail(
        `HTTP ${res.status}${json?.error ? `: ${json.error}${json.reason ? ` ${json.reason}` : ''}` : ''}`,
      );
    }
    return json as PersonFactsAnswer;
  }

  private fail(reason: string): never {
    this.options.logger?.warn({ reason }, 'national look-up failed');
    throw new NationalUnavailableError(reason);
  }
}
