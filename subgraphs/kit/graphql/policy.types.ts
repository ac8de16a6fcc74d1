import { Directive, Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';

import type { ApplicationKind, ChannelKind, HospitalLevel, InsuranceType, MaterialKind } from '../domain/policy';
import type { PolicyFigureKind } from '../domain/reimbursement';
import type { RemoteCareSituation } from '../domain/remote-care-reimbursement';
import {
  ApplicationTypeEnum,
  ChannelKindEnum,
  HospitalLevelEnum,
  InsuranceTypeEnum,
  MaterialKindEnum,
  PolicyFigureKindEnum,
  RemoteCareSituationEnum,
} from './enums';
import { DateScalar, MoneyScalar } from './scalars';

// Value types every regional subgraph serves: @shareable because each region resolves its own.

@ObjectType()
@Directive('@shareable')
export class WorkingDayRange {
  @Field(() => Int) min!: number;
  @Field(() => Int) max!: number;
}

@ObjectType()
@Directive('@shareable')
export class Channel {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => ChannelKindEnum) kind!: ChannelKind;
  @Field(() => WorkingDayRange) reviewWorkingDays!: WorkingDayRange;
  @Field(() => String, { description: 'Where reviewWorkingDays comes from: the document and its words.' })
  reviewSource!: string;
  @Field(() => Boolean, { description: 'True when reviewWorkingDays, or a bound of it, is given by no document.' })
  reviewIllustrative!: boolean;
  @Field(() => [String]) functions!: string[];
  @Field(() => String) audience!: string;
  @Field(() => String, { nullable: true, description: 'Opening hours (counters).' }) hours!: string | null;
  @Field(() => String, { nullable: true }) note!: string | null;
}

@ObjectType()
@Directive('@shareable')
export class ReviewDeadline {
  @Field(() => WorkingDayRange) workingDays!: WorkingDayRange;
  @Field(() => String) description!: string;
  @Field(() => String, { description: 'Where workingDays comes from: the document and its words.' }) source!: string;
  @Field(() => Boolean, { description: 'True when workingDays, or a bound of it, is given by no document.' })
  illustrative!: boolean;
}

@ObjectType({ description: 'A State Council holiday notice (国务院办公厅关于某年部分节假日安排的通知).' })
@Directive('@shareable')
export class HolidayNotice {
  @Field(() => String) title!: string;
  @Field(() => String, { nullable: true, description: 'e.g. 国办发明电〔2024〕12号; null where not verified.' })
  number!: string | null;
  @Field(() => DateScalar) issuedOn!: string;
}

@ObjectType({ description: 'Where the working days of one calendar year were taken from.' })
@Directive('@shareable')
export class CalendarSource {
  @Field(() => Int) year!: number;
  @Field(() => Boolean, { description: 'True when no notice is published for the year: weekends only.' })
  provisional!: boolean;
  @Field(() => HolidayNotice, { nullable: true }) notice!: HolidayNotice | null;
}

@ObjectType()
@Directive('@shareable')
export class DueDate {
  @Field(() => DateScalar) date!: string;
  @Field(() => Int) workingDays!: number;
  @Field(() => Boolean, {
    description: 'True when the count runs past the published holiday calendar (weekends-only estimate).',
  })
  provisional!: boolean;
  @Field(() => [CalendarSource], { description: 'The notice behind each year the count runs through.' })
  calendarSources!: CalendarSource[];
}

@ObjectType()
@Directive('@shareable')
export class Disease {
  @Field(() => ID, { description: 'National outpatient chronic/special disease code, e.g. M03900.' }) code!: string;
  @Field(() => String) name!: string;
  @Field(() => Boolean) deductibleExempt!: boolean;
  @Field(() => String, { description: 'Where the deductible exemption (免起付线 or not) comes from.' })
  deductibleExemptSource!: string;
  @Field(() => Boolean, { description: 'True when no document names this disease as exempt or not.' })
  deductibleExemptIllustrative!: boolean;
  @Field(() => Boolean) requiresPhoto!: boolean;
  @Field(() => Boolean) requiresSpecialistHospital!: boolean;
  @Field(() => Int, { nullable: true }) validityMonths!: number | null;
  @Field(() => String, { description: 'Where the flags come from; "illustrative" marks placeholders.' })
  source!: string;
  @Field(() => [String], { description: 'Other names applicants type (高血压病, 慢阻肺, COPD); search matches them.' })
  synonyms!: string[];
  @Field(() => String, { description: 'Where the synonyms come from.' }) synonymSource!: string;
}

@ObjectType()
@Directive('@shareable')
export class Hospital {
  @Field(() => ID) code!: string;
  @Field(() => String) name!: string;
  @Field(() => HospitalLevelEnum) level!: HospitalLevel;
  @Field(() => Boolean) qualifiedForSpecialDiseases!: boolean;
  @Field(() => Boolean) specialist!: boolean;
  @Field(() => String) source!: string;
}

@ObjectType({
  description:
    'When a material must be submitted: every criterion given must hold (a list = any of its items); all null = always.',
})
@Directive('@shareable')
export class MaterialCondition {
  @Field(() => [MaterialKindEnum], {
    nullable: true,
    description: 'Required only when none of these kinds is submitted (e.g. 社保卡 without 医保电子凭证).',
  })
  absentKinds!: MaterialKind[] | null;
  @Field(() => [ID], { nullable: true, description: 'Only for these diseases.' }) diseaseCodes!: string[] | null;
  @Field(() => [ID], { nullable: true, description: 'Only through these channels.' }) channelIds!: string[] | null;
  @Field(() => [ApplicationTypeEnum], { nullable: true, description: 'Only for these application types.' })
  applicationTypes!: ApplicationKind[] | null;
}

@ObjectType()
@Directive('@shareable')
export class MaterialRequirement {
  @Field(() => MaterialKindEnum) kind!: MaterialKind;
  @Field(() => String) name!: string;
  @Field(() => Boolean, { description: 'Required whatever else is submitted; see requiredWhen for the conditions.' })
  required!: boolean;
  @Field(() => MaterialCondition, {
    nullable: true,
    description: 'The machine-readable rule the submission checks apply; null = optional.',
  })
  requiredWhen!: MaterialCondition | null;
  @Field(() => Boolean, { description: 'Only a specialist hospital (专科医院) may issue it.' })
  issuerMustBeSpecialist!: boolean;
  @Field(() => String, { nullable: true }) condition!: string | null;
  @Field(() => Int, { nullable: true, description: 'Approximate days; the rule is validityMonths calendar months.' })
  validityDays!: number | null;
  @Field(() => Int, { nullable: true, description: 'Calendar months a dated document stays valid (半年 = 6).' })
  validityMonths!: number | null;
  @Field(() => HospitalLevelEnum, { nullable: true }) minHospitalLevel!: HospitalLevel | null;
  @Field(() => Boolean) stampRequired!: boolean;
  @Field(() => String, { description: 'Where the rule and its figures (validity, hospital level, stamp) come from.' })
  source!: string;
  @Field(() => Boolean, { description: 'True when the rule or any of its figures is given by no document.' })
  illustrative!: boolean;
}

@ObjectType()
@Directive('@shareable')
export class RateBand {
  @Field(() => String) description!: string;
  @Field(() => Float, { description: 'Share the fund pays, 0.85 = 85%.' }) rate!: number;
  @Field(() => Int, { nullable: true }) minAge!: number | null;
  @Field(() => Int, { nullable: true }) maxAge!: number | null;
  @Field(() => Int, { nullable: true }) contributionTier!: number | null;
  @Field(() => String) source!: string;
  @Field(() => Boolean, { description: 'True when any figure of the band (rate or boundaries) is a placeholder.' })
  illustrative!: boolean;
  @Field(() => String, { description: 'Where the rate itself comes from.' }) rateSource!: string;
  @Field(() => Boolean, { description: 'True when the rate is a placeholder.' }) rateIllustrative!: boolean;
}

@ObjectType()
@Directive('@shareable')
export class CostSharingRule {
  @Field(() => InsuranceTypeEnum) insuranceType!: InsuranceType;
  @Field(() => MoneyScalar) deductible!: string;
  @Field(() => [RateBand]) bands!: RateBand[];
  @Field(() => MoneyScalar, { nullable: true, description: '年度最高支付限额: the most the fund pays in a year.' })
  annualCap!: string | null;
  @Field(() => String) source!: string;
  @Field(() => String) deductibleSource!: string;
  @Field(() => Boolean) deductibleIllustrative!: boolean;
  @Field(() => String) annualCapSource!: string;
  @Field(() => Boolean) annualCapIllustrative!: boolean;
  @Field(() => String, { description: '支付范围: what the fund pays for.' }) coverage!: string;
  @Field(() => Boolean, { description: 'True when any figure of this rule is a placeholder.' }) illustrative!: boolean;
}

@InputType()
export class ReimbursementInput {
  @Field(() => InsuranceTypeEnum) insuranceType!: InsuranceType;
  @Field(() => ID) diseaseCode!: string;
  @Field(() => MoneyScalar, { description: 'Eligible outpatient cost for the certified disease.' }) amount!: string;
  @Field(() => Int, { nullable: true }) age?: number | null;
  @Field(() => Int, { nullable: true }) contributionTier?: number | null;
  @Field(() => MoneyScalar, { nullable: true }) deductiblePaidThisYear?: string | null;
  @Field(() => MoneyScalar, {
    nullable: true,
    description: 'What the fund already paid this year, counted against the annual cap.',
  })
  fundPaidThisYear?: string | null;
  @Field(() => RemoteCareSituationEnum, {
    nullable: true,
    description:
      "异地就医: the person lives outside this region, filed or not; omitted = lives here. The insured region's remote-care rules apply.",
  })
  remoteCare?: RemoteCareSituation | null;
}

@ObjectType({ description: 'A figure an estimate rests on, with its source.' })
@Directive('@shareable')
export class PolicyFigure {
  @Field(() => PolicyFigureKindEnum) kind!: PolicyFigureKind;
  @Field(() => String, { description: 'As shown to people: "800.00", "85%", "免起付线".' }) value!: string;
  @Field(() => String) source!: string;
  @Field(() => Boolean, { description: 'True when no document gives this figure.' }) illustrative!: boolean;
}

@ObjectType({ description: '异地就医: what living elsewhere changed in an estimate, and how it is settled.' })
@Directive('@shareable')
export class RemoteCareEstimate {
  @Field(() => RemoteCareSituationEnum) situation!: RemoteCareSituation;
  @Field(() => Boolean, { description: '异地直接结算 applies: settled where the person lives, nothing paid first.' })
  directSettlement!: boolean;
  @Field(() => String, { description: 'What the applicant is told about settlement.' }) settlementNote!: string;
  @Field(() => String) source!: string;
  @Field(() => Boolean, { description: 'True when any remote-care figure is a placeholder.' }) illustrative!: boolean;
}

@ObjectType()
@Directive('@shareable')
export class ReimbursementEstimate {
  @Field(() => MoneyScalar) deductibleApplied!: string;
  @Field(() => Float) rate!: number;
  @Field(() => MoneyScalar) fundPays!: string;
  @Field(() => MoneyScalar) selfPays!: string;
  @Field(() => [String]) explanation!: string[];
  @Field(() => Boolean, { description: 'True when any figure in `figures` is a placeholder.' })
  illustrative!: boolean;
  @Field(() => [PolicyFigure], { description: 'Every figure the estimate used, each flagged on its own.' })
  figures!: PolicyFigure[];
  @Field(() => MoneyScalar, { nullable: true }) annualCap!: string | null;
  @Field(() => Boolean, { description: 'True when the annual cap limited what the fund pays.' }) capApplied!: boolean;
  @Field(() => String, { description: '支付范围: what the fund pays for.' }) coverage!: string;
  @Field(() => RemoteCareEstimate, { nullable: true, description: 'Null unless input.remoteCare was given.' })
  remoteCare!: RemoteCareEstimate | null;
}
