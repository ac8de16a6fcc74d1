import { GraphQLError } from 'graphql';

import type { Identity } from './identity';

// Who may read a person's records in a region. Enforced in the subgraph that owns the data,
// whatever door the request came through: the gateway's word is only the signed identity.

export type Access = 'ALLOW' | 'UNAUTHENTICATED' | 'FORBIDDEN';

function personRecordAccess(identity: Identity, personId: string, regionCode: string): Access {
  switch (identity.role) {
    case 'ANONYMOUS':
      return 'UNAUTHENTICATED';
    case 'APPLICANT':
      return identity.personId === personId ? 'ALLOW' : 'FORBIDDEN';
    case 'REVIEWER':
    case 'COUNTER_CLERK': // serves the region's people at its window
      return identity.regionCode === regionCode ? 'ALLOW' : 'FORBIDDEN';
    case 'HOSPITAL_REVIEWER': // sees the applications that name its hospital (its queue), never a person's records
      return 'FORBIDDEN';
    case 'NATIONAL_OPERATOR':
      return 'ALLOW';
  }
}

/** A denied read: the same answer whether or not the object exists, so nothing leaks. */
export function deniedError(access: Exclude<Access, 'ALLOW'>): GraphQLError {
  return access === 'UNAUTHENTICATED'
    ? new GraphQLError('请先登录后再查询个人记录', { extensions: { code: 'UNAUTHENTICATED' } })
    : new GraphQLError('无权查看该记录', { extensions: { code: 'FORBIDDEN' } });
}

export function assertPersonRecordAccess(identity: Identity, personId: string, regionCode: string): void {
  const access = personRecordAccess(identity, personId, regionCode);
  if (access !== 'ALLOW') throw deniedError(access);
}

/** Staff (not the person themself) reading a person's records: these reads are audited. */
export function isStaffRead(identity: Identity): boolean {
  return (
    identity.role === 'REVIEWER' ||
    identity.role === 'COUNTER_CLERK' ||
    identity.role === 'HOSPITAL_REVIEWER' ||
    identity.role === 'NATIONAL_OPERATOR'
  );
}
