import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';

import { REGIONS } from '../../schema/registry';
import { parseAcceptanceNumber } from '../kit/domain/acceptance-number';
import { deniedError, isStaffRead } from '../kit/platform/auth/access';
import { badInput } from '../kit/platform/errors';
import { validateIdNumber } from '../kit/platform/pii';
import type { NationalContext } from './context';
import { ApplicationRef, Person, RegionRef, regionRef } from './types';

/** The typed reference of an acceptance number (it encodes the region); null for a malformed one. */
export function applicationRef(acceptanceNumber: string): (ApplicationRef & { __typename: string }) | null {
  const parsed = parseAcceptanceNumber(acceptanceNumber);
  const region = parsed && REGIONS.find((r) => r.code === parsed.regionCode);
  return region ? { __typename: `${region.prefix}Application`, ref: acceptanceNumber.trim().toUpperCase() } : null;
}

/**
 * One person, for `person(id)` and `_entities` alike: the person themself, a reviewer of the
 * region they are insured in, a national operator; every staff read is audited. A reference
 * (an application's applicant) may be followed by any reviewer: the region that handed it out
 * authorized the application, and this subgraph cannot see which region that was.
 */
export async function readPerson(ctx: NationalContext, id: string, reference = false): Promise<Person | null> {
  const { identity } = ctx;
  if (identity.role === 'ANONYMOUS') throw deniedError('UNAUTHENTICATED');
  // An applicant asking for someone else learns nothing, not even whether they exist.
  if (identity.role === 'APPLICANT' && identity.personId !== id) throw deniedError('FORBIDDEN');
  const row = await ctx.people.load(id);
  const regionalStaff = identity.role === 'REVIEWER' || identity.role === 'COUNTER_CLERK';
  if (regionalStaff && !reference && row?.insuredRegionCode !== identity.regionCode) {
    throw deniedError('FORBIDDEN');
  }
  if (!row) return null;
  if (isStaffRead(identity)) await ctx.audit.record('READ_PERSON', row.id);
  return new Person(row);
}

@Resolver()
export class NationalResolver {
  @Query(() => [RegionRef], {
    nullable: 'items',
    description: 'Every region in the registry; a region whose subgraph is down is null with an error naming it.',
  })
  regions(): (RegionRef | null)[] {
    return REGIONS.map((r) => regionRef(r.code));
  }

  @Query(() => RegionRef, { nullable: true, description: 'Null for an unknown code.' })
  region(@Arg('code', () => ID) code: string): RegionRef | null {
    return regionRef(code.trim());
  }

  @Query(() => ApplicationRef, {
    nullable: true,
    description: 'Routed to the owning region by the number itself; null for a malformed or unknown number.',
  })
  application(@Arg('acceptanceNumber', () => String) acceptanceNumber: string): ApplicationRef | null {
    return applicationRef(acceptanceNumber);
  }

  @Query(() => Person, { nullable: true, description: 'By national person number.' })
  async person(@Arg('id', () => ID) id: string, @Ctx() ctx: NationalContext): Promise<Person | null> {
    return readPerson(ctx, id);
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
