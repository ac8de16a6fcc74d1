import { type GraphQLResolveInfo, Kind, type SelectionSetNode } from 'graphql';
import { Arg, Ctx, ID, Info, Query, Resolver } from 'type-graphql';

import { deniedError, isStaffRead } from '../kit/platform/auth/access';
import type { Identity } from '../kit/platform/auth/identity';
import { badInput } from '../kit/platform/errors';
import { validateIdNumber } from '../kit/platform/pii';
import { ROUTING_FIELDS } from '../kit/platform/routing';
import type { NationalContext } from './context';
import { ApplicationRef, Person, RegionRef } from './types';

/**
 * One person, for `person(id)` and `_entities` alike: the person themself, a reviewer of the
 * region they are insured in, a national operator; every staff read is audited. A reference
 * (an application's applicant) may be followed by any reviewer: the region that handed it out
 * authorized the application, and this subgraph cannot see which region that was.
 */
export async function readPerson(
  ctx: NationalContext,
  id: string,
  reference = false,
  prefetchHistory = false,
): Promise<Person | null> {
  const { identity } = ctx;
  if (identity.role === 'ANONYMOUS') throw deniedError('UNAUTHENTICATED');
  // An applicant asking for someone else learns nothing, not even whether they exist.
  if (identity.role === 'APPLICANT' && identity.personId !== id) throw deniedError('FORBIDDEN');
  // The history index is read beside the person (one round trip, not two) when the operation
  // asks for it; nothing of it is returned unless Person.records/notifications are allowed to run.
  // The per-request DataLoader keeps the promise: those fields await the same read, and its
  // failure (if any) surfaces there, as before.
  if (prefetchHistory) ctx.history.load(id).catch(() => {});
  const row = await ctx.people.load(id);
  const regionalStaff = identity.role === 'REVIEWER' || identity.role === 'COUNTER_CLERK';
  if (regionalStaff && !reference && row?.insuredRegionCode !== identity.regionCode) {
    throw deniedError('FORBIDDEN');
  }
  if (!row) return null;
  if (isStaffRead(identity)) await ctx.audit.record('READ_PERSON', row.id);
  return new Person(row);
}

/**
 * Whether the selection under this field asks a Person field that reads the history index:
 * `notifications`, or `records` in its HISTORY scope (a national operator's ALL_REGIONS does not).
 */
export function readsHistory(info: GraphQLResolveInfo, identity: Identity): boolean {
  const visit = (set: SelectionSetNode | undefined): boolean =>
    (set?.selections ?? []).some((s) => {
      if (s.kind === Kind.INLINE_FRAGMENT) return visit(s.selectionSet);
      if (s.kind === Kind.FRAGMENT_SPREAD) return visit(info.fragments[s.name.value]?.selectionSet);
      if (s.name.value === 'notifications') return true;
      if (s.name.value !== 'records') return false;
      const arg = s.arguments?.find((a) => a.name.value === 'scope')?.value;
      const scope =
        arg?.kind === Kind.ENUM
          ? arg.value
          : arg?.kind === Kind.VARIABLE
            ? info.variableValues[arg.name.value]
            : undefined;
      return !(scope === 'ALL_REGIONS' && identity.role === 'NATIONAL_OPERATOR');
    });
  return info.fieldNodes.some((node) => visit(node.selectionSet));
}

@Resolver()
export class NationalResolver {
  @Query(() => [RegionRef], {
    nullable: 'items',
    description: 'Every region in the registry; a region whose subgraph is down is null with an error naming it.',
  })
  regions(): (RegionRef | null)[] {
    return ROUTING_FIELDS.regions.resolve();
  }

  @Query(() => RegionRef, { nullable: true, description: 'Null for an unknown code.' })
  region(@Arg('code', () => ID) code: string): RegionRef | null {
    return ROUTING_FIELDS.region.resolve({ code });
  }

  @Query(() => ApplicationRef, {
    nullable: true,
    description: 'Routed to the owning region by the number itself; null for a malformed or unknown number.',
  })
  application(@Arg('acceptanceNumber', () => String) acceptanceNumber: string): ApplicationRef | null {
    return ROUTING_FIELDS.application.resolve({ acceptanceNumber });
  }

  @Query(() => Person, { nullable: true, description: 'By national person number.' })
  async person(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: NationalContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Person | null> {
    return readPerson(ctx, id, false, readsHistory(info, ctx.identity));
  }

  @Query(() => Person, {
    nullable: true,
    description:
      'Staff look-up by resident identity number (counter service: a COUNTER_CLERK finds the applicant here, then acts with their id); reviewers and counter clerks find only people insured in their region.',
  })
  async personByIdNumber(
    @Arg('idNumber', () => String) idNumber: string,
    @Ctx() ctx: NationalContext,
  ): Promise<Person | null> {
    const { identity } = ctx;
    if (identity.role === 'ANONYMOUS') throw deniedError('UNAUTHENTICATED');
    if (identity.role === 'APPLICANT') throw deniedError('FORBIDDEN');
    const checked = validateIdNumber(idNumber);
    if (!checked.ok) throw badInput(checked.problems);
    const row = await ctx.personByIdNumberHash(ctx.vault.lookupHash(checked.idNumber));
    if (!row) return null;
    const regionalStaff = identity.role === 'REVIEWER' || identity.role === 'COUNTER_CLERK';
    if (regionalStaff && row.insuredRegionCode !== identity.regionCode) return null;
    await ctx.audit.record('READ_PERSON', row.id);
    return new Person(row);
  }

  @Query(() => Person, { nullable: true, description: 'The signed-in applicant; null for staff.' })
  async me(@Ctx() ctx: NationalContext): Promise<Person | null> {
    if (ctx.identity.role === 'ANONYMOUS') throw deniedError('UNAUTHENTICATED');
    if (ctx.identity.role !== 'APPLICANT') return null;
    const row = await ctx.people.load(ctx.identity.personId);
    return row && new Person(row);
  }
}
