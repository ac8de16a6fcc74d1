import { Directive, Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';

import type {
  ApplicationInput as ApplicationRequest,
  MaterialInput as MaterialRequest,
  RemoteCareInput as RemoteCareRequest,
} from '../domain/inputs';
import type { MaterialKind } from '../domain/policy';
import type { ApplicationType } from '../persistence/db/record.entities';
import { ApplicationBase } from './application.interface';
import { ApplicationTypeEnum, MaterialKindEnum } from './enums';
import { RemoteCareFiling } from './record.types';
import { DateScalar } from './scalars';

// Inputs and payloads of the region-owned mutations (one set per region, same shapes).

export const ReviewDecisionEnum = {
  APPROVE: 'APPROVE',
  REJECT: 'REJECT',
  REQUEST_SUPPLEMENT: 'REQUEST_SUPPLEMENT',
  REQUEST_IN_PERSON_VERIFICATION: 'REQUEST_IN_PERSON_VERIFICATION',
} as const;
export type ReviewDecision = keyof typeof ReviewDecisionEnum;
registerEnumType(ReviewDecisionEnum, {
  name: 'ReviewDecision',
  valuesConfig: {
    REQUEST_IN_PERSON_VERIFICATION: {
      description:
        '线下补充核验: the applicant must come to the window with originals by a due date (status AWAITING_IN_PERSON); the reason says what to bring.',
    },
  },
});

@InputType()
export class MaterialInput implements MaterialRequest {
  @Field(() => MaterialKindEnum) kind!: MaterialKind;
  @Field(() => DateScalar, { nullable: true, description: 'Issue date of a dated document (diagnosis, records).' })
  issuedOn?: string | null;
  @Field(() => ID, { nullable: true, description: 'The hospital that issued it.' }) hospitalCode?: string | null;
  @Field(() => Boolean) stamped!: boolean;
  @Field(() => String) fileName!: string;
  @Field(() => String, { description: 'sha256 of a file uploaded with POST /uploads.' }) sha256!: string;
}

@InputType()
export class ApplicationInput implements ApplicationRequest {
  @Field(() => ApplicationTypeEnum) type!: ApplicationType;
  @Field(() => ID) diseaseCode!: string;
  @Field(() => ID) channelId!: string;
  @Field(() => ID, { nullable: true }) hospitalCode?: string | null;
  @Field(() => ID, { description: "The applicant's chosen 参保地; must be this region." }) insuredRegionCode!: string;
  @Field(() => [MaterialInput]) materials!: MaterialInput[];
  @Field(() => String, { nullable: true, description: 'The same key twice returns the first result.' })
  idempotencyKey?: string | null;
  @Field(() => ID, {
    nullable: true,
    description: 'Region code where the applicant lives long-term, when not in this region (异地长期居住).',
  })
  residenceRegionCode?: string | null;
}

@ObjectType()
@Directive('@shareable')
export class Problem {
  @Field(() => String, { description: 'Stable code, e.g. MATERIAL_MISSING.' }) code!: string;
  @Field(() => String, { nullable: true }) field!: string | null;
  @Field(() => String, { description: 'In Chinese, for the applicant.' }) message!: string;
}

@ObjectType()
@Directive('@shareable')
export class ApplicationPayload {
  @Field(() => ApplicationBase, { nullable: true }) application!: ApplicationBase | null;
  @Field(() => [Problem], { description: 'Non-empty means nothing was stored.' }) problems!: Problem[];
}

@InputType()
export class RemoteCareInput implements RemoteCareRequest {
  @Field(() => ID, { nullable: true, description: 'Region code of the place of residence, when known.' })
  residenceRegionCode?: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'e.g. 广东省云浮市; taken from the registry when the code is known.',
  })
  residenceRegionName?: string | null;
  @Field(() => DateScalar, { nullable: true, description: 'Default: today.' }) validFrom?: string | null;
  @Field(() => DateScalar, { nullable: true }) validUntil?: string | null;
  @Field(() => String, { nullable: true, description: 'The same key twice returns the first result.' })
  idempotencyKey?: string | null;
}

@ObjectType()
@Directive('@shareable')
export class RemoteCarePayload {
  @Field(() => RemoteCareFiling, { nullable: true }) filing!: RemoteCareFiling | null;
  @Field(() => [Problem]) problems!: Problem[];
}
