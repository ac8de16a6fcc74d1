import { GraphQLError } from 'graphql';

import { assertPersonRecordAccess, deniedError, isStaffRead } from '../auth/access';
import type { ApplicationBase } from '../graphql/application.interface';
import type { RegionalContext } from '../graphql/context';
import type { RecordBase } from '../graphql/record.interface';
import type { RegionBase } from '../graphql/region.interface';
import type { RegionDefinition } from '../region-definition';
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
      async __resolveReference(ref: Pick<ApplicationBase, 'id'>, ctx: RegionalContext) {
        if (ctx.identity.role === 'ANONYMOUS') throw deniedError('UNAUTHENTICATED');
        const row = await ctx.records.application.load(ref.id);
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
