import { ArgsType, Field, ID, Int, ObjectType } from 'type-graphql';

import type { HospitalLevel } from '../kit/domain/policy';
import { HospitalLevelEnum } from '../kit/graphql/enums';
import type { DirectoryHospitalRow } from './db/hospital.entity';

export const MAX_HOSPITAL_PAGE = 100;

@ObjectType('NationalHospital', {
  description:
    '全国医疗机构名录: a hospital anywhere in the country, whose medical proof every region accepts from level 2 up.',
})
export class NationalHospital {
  @Field(() => ID) code!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { description: 'e.g. 四川省' }) province!: string;
  @Field(() => ID, { description: 'The city-level region code, e.g. 510100.' }) regionCode!: string;
  @Field(() => String, { description: 'e.g. 成都市' }) regionName!: string;
  @Field(() => HospitalLevelEnum) level!: HospitalLevel;
  @Field(() => Boolean, { description: '专科医院' }) specialist!: boolean;
  @Field(() => String) source!: string;
  @Field(() => Boolean, { description: 'True when no document gives this entry (code, level or flag).' })
  illustrative!: boolean;
}

export const toNationalHospital = (row: DirectoryHospitalRow): NationalHospital => ({
  code: row.code,
  name: row.name,
  province: row.province,
  regionCode: row.regionCode,
  regionName: row.regionName,
  level: row.level,
  specialist: row.specialist,
  source: row.source,
  illustrative: row.illustrative,
});

@ArgsType()
export class HospitalsArgs {
  @Field(() => String, {
    nullable: true,
    description: 'Matches a code prefix, or part of the name, the city or the province.',
  })
  search?: string | null;
  @Field(() => HospitalLevelEnum, { nullable: true, description: 'Only hospitals of this level.' })
  level?: HospitalLevel | null;
  @Field(() => Int, { defaultValue: 20, description: `At most ${MAX_HOSPITAL_PAGE}.` }) first!: number;
}
