import { GraphQLError } from 'graphql';
import { QueryFailedError } from 'typeorm';

import { canonicalJson, requestFingerprint } from '../../persistence/idempotency';
import { deadlineOf } from '../../workflow/deadline';
import { classifyFault, describeCause } from './faults';

const driverError = (code: string, message: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { code, ...extra });
const wrapped = (cause: Error) => new GraphQLError('x', { originalError: cause });

describe('classifyFault', () => {
  it.each([
    ['ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:3306'],
    ['PROTOCOL_CONNECTION_LOST', 'Connection lost: The server closed the connection.'],
    ['ETIMEDOUT', 'connect ETIMEDOUT'],
    ['ER_LOCK_WAIT_TIMEOUT', 'Lock wait timeout exceeded; try restarting transaction'],
  ])('%s from mysql2 is the database, retryable', (code, message) => {
    expect(classifyFault(wrapped(driverError(code, message)))).toMatchObject({
      code: 'REGION_DATABASE_UNAVAILABLE',
      retryable: true,
    });
  });

  it('a missing table through TypeORM (MySQL and sql.js) is the database', () => {
    const mysql = new QueryFailedError(
      'SELECT 1 FROM t',
      [],
      driverError('ER_NO_SUCH_TABLE', "Table 'x.t' doesn't exist"),
    );
    expect(classifyFault(wrapped(mysql)).code).toBe('REGION_DATABASE_UNAVAILABLE');
    const sqljs = new QueryFailedError('SELECT 1 FROM t', [], new Error('no such table: t'));
    expect(classifyFault(wrapped(sqljs)).code).toBe('REGION_DATABASE_UNAVAILABLE');
  });

  it('anything else is a bug, not retryable; the log line names the cause, not the statement', () => {
    const bug = wrapped(new TypeError("Cannot read properties of undefined (reading 'code')"));
    expect(classifyFault(bug)).toMatchObject({ code: 'SUBGRAPH_ERROR', retryable: false });
    const failed = new QueryFailedError(
      'SELECT secret FROM t WHERE id = ?',
      ['42'],
      driverError('ER_PARSE_ERROR', 'syntax'),
    );
    expect(classifyFault(wrapped(failed)).code).toBe('SUBGRAPH_ERROR');
    expect(describeCause(wrapped(failed))).not.toMatch(/SELECT|secret|42/);
  });
});

describe('deadlineOf', () => {
  it('takes the header, bounded by the maximum; none or garbage means the maximum', () => {
    expect(deadlineOf('1500', 1000, 30_000)).toBe(1500);
    expect(deadlineOf('99999999', 1000, 30_000)).toBe(31_000);
    expect(deadlineOf(undefined, 1000, 30_000)).toBe(31_000);
    expect(deadlineOf('soon', 1000, 30_000)).toBe(31_000);
  });
});

describe('requestFingerprint', () => {
  it('ignores key order, absent or null fields and the key itself; sees every other difference', () => {
    const a = requestFingerprint('m', { input: { b: 1, a: [1, 2], c: null }, idempotencyKey: 'k1' });
    expect(requestFingerprint('m', { idempotencyKey: 'k2', input: { a: [1, 2], b: 1 } })).toBe(a);
    expect(requestFingerprint('m', { input: { a: [2, 1], b: 1 } })).not.toBe(a);
    expect(requestFingerprint('n', { input: { a: [1, 2], b: 1 } })).not.toBe(a);
    expect(canonicalJson({ z: 1, a: { y: 2, b: 3 } })).toBe('{"a":{"b":3,"y":2},"z":1}');
  });
});
