import { GraphQLError } from 'graphql';

import type { RegionDefinition } from '../../domain/region-definition';
import { assertPersonRecordAccess, deniedError, isStaffRead } from '../../platform/auth/access';
import type { RegionalContext } from '../context';
import type { RecordBase } from '../record.interface';
import type { RegionBase } from '../region.interface';
import type { RegionObjectTypes } from './types';

/** `__resolveReference` of the region's entities: each authorizes here, in the subgraph owning the data. */
export function createReferenceResolvers(
  def: RegionDefinition,
  { ConcreteRegion, ConcreteApplication, ConcreteRecord }: RegionObjectTypes,
) {
  const { prefix } = def;
  const referenceResolvers = {
    [`${prefix}Region`]: {
      async __resolveReference(ref: Pick<RegionBase, 'code'>, ctx: RegionalContext) {
        // This subgraph's own region exists by construction, as for the root field (`…Region`):
        // no statement, so the gateway's catalogue read costs the region what a direct call does.
        // Any other code is looked up (null when this database does not hold it).
        if (ref.code === def.policy.code) return new ConcreteRegion(ref.code);
        return (await ctx.loaders.region.load(ref.code)) ? new ConcreteRegion(ref.code) : null;
      },
    },
    [`${prefix}Record`]: {
      async __resolveReference(ref: Pick<RecordBase, 'personId' | 'regionCode'>, ctx: RegionalContext) {
        if (ref.regionCode !== def.policy.code) return null;
        assertPersonRecordAccess(ctx.identity, ref.personId, ref.regionCode);
        // A person with nothing here still has a (empty) record: not an error. A staff read is
        // audited by the record's fields, and only when they return data (RecordBase.audited).
        return new ConcreteRecord(ref.personId, ref.regionCode);
      },
    },
    [`${prefix}Application`]: {
      // By `id`, or by `ref` from the national subgraph's application(acceptanceNumber:).
      async __resolveReference(ref: { id?: string; ref?: string }, ctx: RegionalContext) {
        if (ctx.identity.role === 'ANONYMOUS') throw deniedError('UNAUTHENTICATED');
        const row = await ctx.records.application.load(String(ref.id ?? ref.ref));
        // Applicants: unknown and not-yours answer alike, so nobody learns which numbers exist.
        // Staff are told plainly; an error (not a null entity) keeps the gateway from adding its own.
        if (!row) {
          if (isStaffRead(ctx.identity)) {
            throw new GraphQLError('未找到该受理号对应的申请', { extensions: { code: 'NOT_FOUND' } });
          }
          throw deniedError('FORBIDDEN');
        }
        assertPersonRecordAccess(ctx.identity, row.personId, row.regionCode);
        if (isStaffRead(ctx.identity)) await ctx.audit.record('READ_APPLICATION', row.id);
        return new ConcreteApplication(row);
      },
    },
  };
  return referenceResolvers;
}
