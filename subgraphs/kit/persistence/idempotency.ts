import { createHash } from 'node:crypto';

import { type DataSource, type EntityManager, EntitySchema } from 'typeorm';

import { boundIdempotencyKey } from '../domain/input-bounds';
import type { Identity } from '../platform/auth/identity';
import { type Problem, problem } from '../platform/errors';
import { isUniqueViolation } from './sql-errors';

// Every mutation takes an idempotency key: the same key returns the first result, a key reused
// for a different request is refused. The key is stored with a reference to its result in the
// same transaction as the change, under a unique (scope, key): a write and its key commit together.

export interface IdempotencyRow {
  /** Whose keys: `<region>|<personId>` for applicants, `<region>|reviewer:<subject>` for reviewers. */
  scope: string;
  key: string;
  /** The mutation, e.g. reviewPanzhihuaApplication. */
  operation: string;
  /** sha256 (hex) of the canonical request: mutation name + its arguments without the key. */
  fingerprint: string;
  /** The application's acceptance number or the filing's id. */
  resultId: string;
  createdAt: string;
}

export const IdempotencyEntity = new EntitySchema<IdempotencyRow>({
  name: 'IdempotencyKey',
  tableName: 'idempotency_key',
  columns: {
    scope: { type: String, length: 120, name: 'scope', primary: true },
    key: { type: String, length: 128, name: 'idem_key', primary: true },
    operation: { type: String, length: 80, name: 'operation' },
    fingerprint: { type: String, length: 64, name: 'fingerprint' },
    resultId: { type: String, length: 64, name: 'result_id' },
    createdAt: { type: String, length: 32, name: 'created_at' },
  },
});

/** JSON with object keys sorted and absent or null fields dropped: the same request always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && v !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** sha256 of the mutation's name and its arguments, the key itself left out. */
export function requestFingerprint(operation: string, args: Record<string, unknown>): string {
  const { idempotencyKey: _key, ...rest } = args;
  return createHash('sha256')
    .update(canonicalJson({ operation, args: rest }))
    .digest('hex');
}

const KEY_REUSED = problem(
  'IDEMPOTENCY_KEY_REUSED',
  '该幂等键已用于另一笔不同的请求；新的请求请使用新的幂等键',
  'idempotencyKey',
);

/** Whose keys these are: an applicant's own, or one staff member's, in one region. */
export function idempotencyScope(regionCode: string, identity: Identity): string {
  if (identity.role === 'APPLICANT') return `${regionCode}|${identity.personId}`;
  if (identity.role === 'HOSPITAL_REVIEWER') {
    return `${regionCode}|hospital_reviewer:${identity.hospitalCode}:${identity.subject}`;
  }
  return `${regionCode}|${identity.role.toLowerCase()}:${'subject' in identity ? identity.subject : '-'}`;
}

export interface Outcome<T> {
  value: T | null;
  problems: Problem[];
}

export interface IdempotentRequest<T> {
  scope: string;
  key: string | null | undefined;
  operation: string;
  /** The request's arguments as the mutation received them (the key is ignored). */
  args: Record<string, unknown>;
  /** The first result again, from its stored reference. */
  load: (resultId: string) => Promise<T | null>;
  /** Does the change; calls `remember(tx, resultId)` inside its transaction. */
  run: (remember: (tx: EntityManager, resultId: string) => Promise<void>) => Promise<Outcome<T>>;
  now: () => string;
}

/** Runs a mutation once per key: a repeat returns the first result, a different request under the key is refused. */
export async function idempotent<T>(ds: DataSource, request: IdempotentRequest<T>): Promise<Outcome<T>> {
  const bounded = boundIdempotencyKey(request.key);
  if (bounded.problems.length > 0) return { value: null, problems: bounded.problems };
  const key = bounded.value;
  const fingerprint = requestFingerprint(request.operation, request.args);
  const remember = async (tx: EntityManager, resultId: string) => {
    if (!key) return;
    await tx.getRepository(IdempotencyEntity).insert({
      scope: request.scope,
      key,
      operation: request.operation,
      fingerprint,
      resultId,
      createdAt: request.now(),
    });
  };
  const prior = async (): Promise<Outcome<T> | null> => {
    if (!key) return null;
    const row = await ds.getRepository(IdempotencyEntity).findOneBy({ scope: request.scope, key });
    if (!row) return null;
    if (row.fingerprint !== fingerprint || row.operation !== request.operation)
      return { value: null, problems: [KEY_REUSED] };
    const value = await request.load(row.resultId);
    return value ? { value, problems: [] } : null;
  };
  const first = await prior();
  if (first) return first;
  let outcome: Outcome<T>;
  try {
    outcome = await request.run(remember);
  } catch (e) {
    // Lost a race to the same key: the winner's result is the answer.
    const winner = isUniqueViolation(e) ? await prior() : null;
    if (winner) return winner;
    throw e;
  }
  // A concurrent twin that committed first makes this one fail (conflict, illegal transition): its result is ours.
  if (outcome.problems.length > 0) return (await prior()) ?? outcome;
  return outcome;
}
