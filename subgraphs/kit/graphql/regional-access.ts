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
    [`_entities:${prefix}Region`]: 'PUBLIC',
    [`_entities:${prefix}Application`]: 'PERSON',
    [`_entities:${prefix}Record`]: 'PERSON',
    // `applicant: Person` is a reference (resolvable: false); the national subgraph answers for it.
    '_entities:Person': 'NOBODY',
  };
}
