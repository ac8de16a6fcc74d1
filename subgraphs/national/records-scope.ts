import { GraphQLError } from 'graphql';
import { registerEnumType } from 'type-graphql';

import { REGIONS } from '../../schema/registry';
import type { NationalContext } from './context';
import type { PersonRow } from './db/person.entity';

/** Which regions Person.records asks. */
export type RecordsScope = 'HISTORY' | 'ALL_REGIONS';
export const RecordsScopeEnum = { HISTORY: 'HISTORY', ALL_REGIONS: 'ALL_REGIONS' } as const;
registerEnumType(RecordsScopeEnum, {
  name: 'RecordsScope',
  description: 'HISTORY: the regions the national index knows the person in; ALL_REGIONS: every region (staff).',
});

/**
 * The regions a records read fans out to. HISTORY (everyone): the current insured region and
 * every region in the person's history. ALL_REGIONS: a national operator gets every region in the
 * registry; a reviewer gets the history plus their own region (the only other region they could
 * read anyway, e.g. at the counter before the region has reported anything); an applicant is
 * refused (FORBIDDEN, reason RECORDS_SCOPE) — their own history is all there is to see.
 */
export async function recordsRegions(ctx: NationalContext, row: PersonRow, scope: RecordsScope): Promise<Set<string>> {
  const { identity } = ctx;
  if (scope === 'ALL_REGIONS') {
    if (identity.role === 'NATIONAL_OPERATOR') return new Set(REGIONS.map((r) => r.code));
    if (identity.role !== 'REVIEWER') {
      throw new GraphQLError('只有工作人员可以查询全部地区的记录', {
        extensions: { code: 'FORBIDDEN', reason: 'RECORDS_SCOPE' },
      });
    }
  }
  const codes = new Set([row.insuredRegionCode, ...(await ctx.history.load(row.id))]);
  if (scope === 'ALL_REGIONS' && identity.role === 'REVIEWER') codes.add(identity.regionCode);
  return codes;
}
