import { Arg, Args, Ctx, ID, Query, Resolver } from 'type-graphql';

import { assertArgumentLength, badInput, problem } from '../kit/platform/errors';
import type { NationalContext } from './context';
import { HospitalsArgs, MAX_HOSPITAL_PAGE, NationalHospital, toNationalHospital } from './hospital.types';

const MAX_CODE_LENGTH = 40;
const MAX_SEARCH_LENGTH = 50;

/** The national hospital directory: public, like every region's policy. */
@Resolver()
export class HospitalDirectoryResolver {
  @Query(() => NationalHospital, {
    nullable: true,
    description: '全国医疗机构名录 entry by code; null for an unknown code.',
  })
  async hospital(@Arg('code', () => ID) code: string, @Ctx() ctx: NationalContext): Promise<NationalHospital | null> {
    assertArgumentLength(code, 'code', MAX_CODE_LENGTH);
    const row = await ctx.hospitals.byCode(code.trim().toUpperCase());
    return row && toNationalHospital(row);
  }

  @Query(() => [NationalHospital], { description: 'The directory by code, searched and filtered, in code order.' })
  async hospitals(@Args(() => HospitalsArgs) args: HospitalsArgs, @Ctx() ctx: NationalContext) {
    assertArgumentLength(args.search, 'search', MAX_SEARCH_LENGTH);
    if (!Number.isInteger(args.first) || args.first < 1 || args.first > MAX_HOSPITAL_PAGE) {
      throw badInput([problem('INVALID_PAGE', `每页条数须在1到${MAX_HOSPITAL_PAGE}之间`, 'first')]);
    }
    const rows = await ctx.hospitals.search(args.search ?? null, args.level ?? null, args.first);
    return rows.map(toNationalHospital);
  }
}
