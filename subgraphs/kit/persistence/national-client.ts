import type { KeyObject } from 'node:crypto';

import type { KeyLike } from 'jose';

import { NATIONAL } from '../../../schema/registry';
import type { HospitalLevel } from '../domain/policy';
import type { NationalPerson } from '../domain/residence';
import type { Identity } from '../platform/auth/identity';
import { INTERNAL_TOKEN_HEADER, signInternalToken } from '../platform/auth/internal-token';
import { developmentKeyPaths, ensureDevelopmentKeys, loadPrivateKey } from '../platform/auth/keys';
import type { Logger } from '../platform/log';

export type { NationalPerson };

// The one region → national synchronous look-up: what the national subgraph knows that a region
// must not take from the applicant's word — where the person lives (常住地, the national index) and
// which hospital issued a piece of medical proof (the national hospital directory). One POST per
// submission at most (aliases), signed like the gateway's fetches: an internal token with the
// national audience, bound to the body, carrying the applicant's own identity, so the national
// subgraph authorizes it by its own rules (a person reads themself; the directory is public).
// Short timeout, small cache; a failure is NationalUnavailableError, which the workflow turns into
// a problem (NATIONAL_SERVICE_UNAVAILABLE) with nothing stored.

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
  /** The national subgraph's GraphQL URL; a function when it is known only later (test stacks). */
  url: string | (() => string | undefined);
  /** Signs the internal token (the gateway's internal key: see docs and README). */
  privateKey: KeyLike | KeyObject;
  /** Default 1500 ms: a submission waits no longer for the national subgraph. */
  timeoutMs?: number;
  /** How long an answer is reused; default 60 s. */
  cacheTtlMs?: number;
  /** Most answers kept; default 2000 (oldest dropped first). */
  cacheEntries?: number;
  logger?: Logger;
  now?: () => number;
}

const PERSON_FIELDS = 'id insuredRegion { code } residenceRegionCode residenceRegionName';
const HOSPITAL_FIELDS = 'code name level specialist province regionName';

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

  facts(identity: Identity, personId: string | null, hospitalCodes: readonly string[]): Promise<NationalFacts> {
    // Only an applicant's own look-up is shared, and only with the same applicant's.
    const key = `${identity.role === 'APPLICANT' ? identity.personId : '-'}|${personId ?? ''}|${[...hospitalCodes].sort().join(',')}`;
    const running = this.inFlight.get(key);
    if (running) return running;
    const started = this.lookUp(identity, personId, hospitalCodes).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }

  private async lookUp(
    identity: Identity,
    personId: string | null,
    hospitalCodes: readonly string[],
  ): Promise<NationalFacts> {
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

    const parts: string[] = [];
    const params: string[] = [];
    const variables: Record<string, unknown> = {};
    if (askPerson) {
      params.push('$person: ID!');
      variables.person = personId;
      parts.push(`person(id: $person) { ${PERSON_FIELDS} }`);
    }
    missingCodes.forEach((code, i) => {
      params.push(`$h${i}: ID!`);
      variables[`h${i}`] = code;
      parts.push(`h${i}: hospital(code: $h${i}) { ${HOSPITAL_FIELDS} }`);
    });
    const query = `query NationalFacts(${params.join(', ')}) { ${parts.join(' ')} }`;
    const data = await this.post({ query, variables, operationName: 'NationalFacts' }, identity);

    if (askPerson) {
      const p = data.person as
        | {
            id: string;
            insuredRegion: { code: string };
            residenceRegionCode: string | null;
            residenceRegionName: string | null;
          }
        | null
        | undefined;
      person = p
        ? {
            id: p.id,
            insuredRegionCode: p.insuredRegion.code,
            residenceRegionCode: p.residenceRegionCode,
            residenceRegionName: p.residenceRegionName,
          }
        : null;
      this.remember(`p:${personId}`, person);
    }
    missingCodes.forEach((code, i) => {
      const h = (data[`h${i}`] as DirectoryHospital | null | undefined) ?? null;
      hospitals.set(code, h);
      this.remember(`h:${code}`, h);
    });
    return { person, hospitals };
  }

  private async post(
    body: { query: string; variables: Record<string, unknown>; operationName: string },
    identity: Identity,
  ): Promise<Record<string, unknown>> {
    const url = typeof this.options.url === 'function' ? this.options.url() : this.options.url;
    if (!url) throw new NationalUnavailableError('no national subgraph URL configured');
    const text = JSON.stringify(body);
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [INTERNAL_TOKEN_HEADER]: signInternalToken(this.options.privateKey, {
            identity,
            subgraph: NATIONAL.name,
            body: text,
          }),
        },
        body: text,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      return this.fail((e as Error).name === 'TimeoutError' ? `timeout after ${this.timeoutMs} ms` : String(e));
    }
    let json: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
    try {
      json = (await res.json()) as typeof json;
    } catch {
      return this.fail(`HTTP ${res.status}, not JSON`);
    }
    if (!res.ok || json.errors?.length || !json.data) {
      return this.fail(
        `HTTP ${res.status}${json.errors?.length ? `: ${json.errors.map((e) => e.extensions?.code ?? e.message).join(', ')}` : ''}`,
      );
    }
    return json.data;
  }

  private fail(reason: string): never {
    this.options.logger?.warn({ reason }, 'national look-up failed');
    throw new NationalUnavailableError(reason);
  }
}

/**
 * The client a regional process builds from its environment: NATIONAL_SUBGRAPH_URL (default: the
 * registry's port on 127.0.0.1, as `npm start` runs it), signed with INTERNAL_PRIVATE_KEY_FILE (outside
 * production: the development key), NATIONAL_TIMEOUT_MS (default 1500).
 */
export async function nationalClientFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  logger?: Logger,
): Promise<NationalClient> {
  let keyFile = env.INTERNAL_PRIVATE_KEY_FILE;
  if (!keyFile) {
    if (env.NODE_ENV === 'production') {
      throw new Error('INTERNAL_PRIVATE_KEY_FILE is required in production (signs region → national look-ups)');
    }
    await ensureDevelopmentKeys();
    keyFile = developmentKeyPaths().internalPrivateKeyPath;
  }
  const timeout = Number(env.NATIONAL_TIMEOUT_MS ?? 1500);
  return new NationalClient({
    url: env.NATIONAL_SUBGRAPH_URL ?? env.SUBGRAPH_URL_NATIONAL ?? `http://127.0.0.1:${NATIONAL.port}/graphql`,
    privateKey: await loadPrivateKey(keyFile),
    timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : 1500,
    logger,
  });
}
