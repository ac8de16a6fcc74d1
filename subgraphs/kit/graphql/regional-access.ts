import type { AccessTable } from '../platform/auth/access-rules';

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/**
 * Who may call each entry point of a regional subgraph (rules: ./auth/access-rules.ts). The
 * schema is built from the kit, so the table is too; a field added to the kit without a line
 * here stops every regional subgraph from starting.
 */
export function regionalAccessTable(prefix: string): AccessTable {
  const field = lowerFirst(prefix);
  return {
    'Query._service': 'PUBLIC', // the subgraph's SDL: as public as the schema itself
    [`Query.${field}Region`]: 'PUBLIC',
    [`Query.${field}ReviewQueue`]: 'REGION_STAFF',
    [`Query.${field}ReviewQueueConnection`]: 'REGION_STAFF',
    [`Mutation.submit${prefix}Application`]: 'APPLICANT',
    [`Mutation.supplement${prefix}Materials`]: 'APPLICANT',
    [`Mutation.withdraw${prefix}Application`]: 'APPLICANT',
    [`Mutation.review${prefix}Application`]: 'REGION_REVIEWER',
    [`Mutation.file${prefix}RemoteCare`]: 'APPLICANT',
    // The message centre: a person marks their own messages read; reading them is a record read.
    [`Mutation.mark${prefix}MessagesRead`]: 'APPLICANT',
    [`_entities:${prefix}Messages`]: 'PERSON',
    // The counter (workflow/counter.ts): a clerk of this region, acting for an applicant.
    [`Mutation.submit${prefix}ApplicationAtCounter`]: 'REGION_CLERK',
    [`Mutation.supplement${prefix}MaterialsAtCounter`]: 'REGION_CLERK',
    [`Mutation.record${prefix}InPersonVerification`]: 'REGION_CLERK',
    // 申诉 and 意见反馈 (./regional/appeal-resolvers.ts). An appeal is decided by a reviewer of
    // this region; that it is not the one who rejected is checked on the data (APPEAL_SAME_REVIEWER).
    [`Mutation.appeal${prefix}Application`]: 'APPLICANT',
    [`Mutation.review${prefix}Appeal`]: 'REGION_REVIEWER',
    [`Mutation.send${prefix}Feedback`]: 'APPLICANT',
    [`Mutation.reply${prefix}Feedback`]: 'REGION_REVIEWER',
    [`Query.${field}AppealQueue`]: 'REGION_STAFF',
    [`Query.${field}FeedbackQueue`]: 'REGION_STAFF',
    [`Query.${field}AppealQueueConnection`]: 'REGION_STAFF',
    [`Query.${field}FeedbackQueueConnection`]: 'REGION_STAFF',
    // 经定点医疗机构审核备案 (./regional/hospital-resolvers.ts): a hospital reviewer of this region,
    // on the applications naming its own hospital (checked on the data).
    [`Mutation.confirm${prefix}HospitalReview`]: 'REGION_HOSPITAL',
    [`Query.${field}HospitalReviewQueue`]: 'REGION_HOSPITAL',
    // The region's audit log (./regional/audit-resolvers.ts): its reviewers and national operators.
    [`Query.${field}AuditLog`]: 'REGION_AUDIT',
    [`_entities:${prefix}Region`]: 'PUBLIC',
    [`_entities:${prefix}Application`]: 'PERSON',
    [`_entities:${prefix}Record`]: 'PERSON',
    // `applicant: Person` is a reference (resolvable: false); the national subgraph answers for it.
    '_entities:Person': 'NOBODY',
  };
}

/**
 * A provincial subgraph's table: every hosted region's entry points with its own rules (each
 * gated in its own region's scope, see regional/provincial-schema.ts).
 */
export function provincialAccessTable(prefixes: readonly string[]): AccessTable {
  return Object.assign({}, ...prefixes.map(regionalAccessTable)) as AccessTable;
}
