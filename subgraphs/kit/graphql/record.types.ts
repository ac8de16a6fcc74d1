import { Directive, Field, ID, ObjectType } from 'type-graphql';

import type { MaterialKind } from '../domain/policy';
import type { ApplicationStatus } from '../persistence/db/record.entities';
import { ApplicationStatusEnum, MaterialKindEnum } from './enums';
import { Disease, Hospital } from './policy.types';
import { DateScalar, DateTimeScalar } from './scalars';

// Value types of people's records, served by every regional subgraph (@shareable).

@ObjectType()
@Directive('@shareable')
export class Material {
  @Field(() => ID) id!: string;
  @Field(() => MaterialKindEnum) kind!: MaterialKind;
  @Field(() => DateScalar, { nullable: true }) issuedOn!: string | null;
  @Field(() => ID, { nullable: true }) hospitalCode!: string | null;
  @Field(() => Boolean) stamped!: boolean;
  @Field(() => String) fileName!: string;
  @Field(() => String) sha256!: string;
}

@ObjectType()
@Directive('@shareable')
export class StatusEvent {
  @Field(() => ApplicationStatusEnum) status!: ApplicationStatus;
  @Field(() => DateTimeScalar) at!: string;
  @Field(() => String) actor!: string;
  @Field(() => String, { nullable: true }) note!: string | null;
}

@ObjectType()
@Directive('@shareable')
export class Certification {
  @Field(() => ID) id!: string;
  @Field(() => Disease) disease!: Disease;
  @Field(() => Hospital, { nullable: true }) hospital!: Hospital | null;
  @Field(() => DateScalar) validFrom!: string;
  @Field(() => DateScalar, { nullable: true }) validUntil!: string | null;
  @Field(() => DateScalar, { nullable: true }) renewableFrom!: string | null;
}

@ObjectType()
@Directive('@shareable')
export class RemoteCareFiling {
  @Field(() => ID) id!: string;
  @Field(() => String) residenceRegionName!: string;
  @Field(() => ID, { nullable: true }) residenceRegionCode!: string | null;
  @Field(() => DateScalar) validFrom!: string;
  @Field(() => DateScalar, { nullable: true }) validUntil!: string | null;
}

/** The national subgraph owns Person; a region only refers to one by id. */
@ObjectType('Person')
@Directive('@key(fields: "id", resolvable: false)')
export class PersonRef {
  @Field(() => ID) id!: string;
}
