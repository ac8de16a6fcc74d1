import { REGIONS } from '../../schema/registry';
import type { AccessTable } from '../kit/platform/auth/access-rules';
import { ROUTING_ACCESS } from '../kit/platform/routing';

/**
 * Who may call each entry point of the national subgraph (rules: kit/platform/auth/access-rules.ts).
 * The per-region stubs come from schema/registry.json like the stubs themselves; an entry point
 * without a line here stops the subgraph from starting.
 */
export const NATIONAL_ACCESS: AccessTable = {
  'Query._service': 'PUBLIC', // the subgraph's SDL: as public as the schema itself
  // Routing (regions, region, application): one set of rules with the gateway's local registry.
  ...ROUTING_ACCESS,
  // The national hospital directory: public reference data, like each region's hospital list.
  'Query.hospital': 'PUBLIC',
  'Query.hospitals': 'PUBLIC',
  'Query.person': 'PERSON',
  'Query.personByIdNumber': 'STAFF',
  'Query.me': 'SIGNED_IN',
  // An application's applicant: a Yunfu reviewer needs the name on a Yunfu application of a
  // person now insured in Panzhihua, and only the region knows that application is theirs.
  '_entities:Person': 'PERSON_REFERENCE',
  // Key-only stubs: the answer is the key the caller sent (typed), nothing is looked up.
  '_entities:Region': 'PUBLIC',
  '_entities:Application': 'SIGNED_IN',
  // A record's key names its person and region, so the whole person rule applies to the stub.
  '_entities:RegionalRecord': 'PERSON',
  // The message centre's per-region page: the same rule as the record (the region checks again).
  '_entities:RegionalMessages': 'PERSON',
  ...Object.fromEntries(
    REGIONS.flatMap((r) => [
      [`_entities:${r.prefix}Region`, 'PUBLIC'],
      [`_entities:${r.prefix}Application`, 'SIGNED_IN'],
      [`_entities:${r.prefix}Record`, 'PERSON'],
      [`_entities:${r.prefix}Messages`, 'PERSON'],
    ]),
  ),
};
