import { GraphQLError } from 'graphql';

import type { RegionDefinition } from '../domain/region-definition';
import { deniedError } from '../platform/auth/access';
import type { Identity } from '../platform/auth/identity';

// Who may act on the workflow: applicants on their own applications, reviewers of this region on its reviews.

/** The applicant's person id; anyone else is refused. */
export function requireApplicant(identity: Identity): string {
  if (identity.role === 'ANONYMOUS') throw deniedError('UNAUTHENTICATED');
  if (identity.role !== 'APPLICANT') {
    throw new GraphQLError('只有申请人本人可以办理此业务', { extensions: { code: 'FORBIDDEN' } });
  }
  return identity.personId;
}

/** Only a reviewer of this region may review its applications. */
export function requireReviewer(identity: Identity, def: RegionDefinition): void {
  if (identity.role === 'ANONYMOUS') throw deniedError('UNAUTHENTICATED');
  if (identity.role !== 'REVIEWER' || identity.regionCode !== def.policy.code) {
    throw new GraphQLError(`只有${def.policy.name}的审核人员可以审核本地申请`, {
      extensions: { code: 'FORBIDDEN' },
    });
  }
}

/** Only a counter clerk of this region may act for an applicant at its window. */
export function requireClerk(identity: Identity, def: RegionDefinition): void {
  if (identity.role === 'ANONYMOUS') throw deniedError('UNAUTHENTICATED');
  if (identity.role !== 'COUNTER_CLERK' || identity.regionCode !== def.policy.code) {
    throw new GraphQLError(`只有${def.policy.name}线下窗口的经办人员可以代为办理`, {
      extensions: { code: 'FORBIDDEN' },
    });
  }
}

/**
 * Only a hospital reviewer (定点医疗机构) of this region reviews at the hospital; which hospital's
 * applications it may decide is checked on the application (its own hospitalCode only).
 */
export function requireHospitalReviewer(identity: Identity, def: RegionDefinition): string {
  if (identity.role === 'ANONYMOUS') throw deniedError('UNAUTHENTICATED');
  if (identity.role !== 'HOSPITAL_REVIEWER' || identity.regionCode !== def.policy.code) {
    throw new GraphQLError(`只有${def.policy.name}定点医疗机构的审核人员可以办理医疗机构审核`, {
      extensions: { code: 'FORBIDDEN' },
    });
  }
  return identity.hospitalCode;
}
