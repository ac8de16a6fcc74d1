import { Arg, Ctx, Directive, Field, ID, Int, InterfaceType, ObjectType } from 'type-graphql';

import { REGIONS } from '../../schema/registry';
import type { InsuranceType } from '../kit/domain/policy';
import { InsuranceTypeEnum } from '../kit/graphql/enums';
import { regionRef } from '../kit/platform/routing';
import type { NationalContext } from './context';
import type { PersonRow } from './db/person.entity';
import { messagePages } from './messages';
import { recordsRegions, type RecordsScope, RecordsScopeEnum } from './records-scope';

// The national subgraph owns the routing interfaces as entity interfaces (Federation 2.3+) and
// knows each region's implementation only by its key: stubs generated from schema/registry.json.
// The gateway fetches every other field from the owning region's subgraph.

interface Typed {
  __typename: string;
}

@InterfaceType('Region', { autoRegisterImplementations: false, resolveType: (ref: Typed) => ref.__typename })
@Directive('@key(fields: "code")')
export abstract class RegionRef {
  @Field(() => ID) code!: string;
}

/**
 * Keyed by `ref` (the acceptance number), a field hidden from clients (@inaccessible): this
 * subgraph answers no field a client can select, so even `application(acceptanceNumber:) { id }`
 * is fetched from the owning region, which alone knows whether the number exists.
 */
@InterfaceType('Application', { autoRegisterImplementations: false, resolveType: (ref: Typed) => ref.__typename })
@Directive('@key(fields: "ref")')
export abstract class ApplicationRef {
  @Field(() => ID, { description: 'Routing key (the acceptance number); not served to clients.' })
  @Directive('@inaccessible')
  ref!: string;
}

@InterfaceType('RegionalRecord', { autoRegisterImplementations: false, resolveType: (ref: Typed) => ref.__typename })
@Directive('@key(fields: "personId regionCode")')
export abstract class RecordRef {
  @Field(() => ID) personId!: string;
  @Field(() => ID) regionCode!: string;
}

@InterfaceType('RegionalMessages', { autoRegisterImplementations: false, resolveType: (ref: Typed) => ref.__typename })
@Directive('@key(fields: "personId regionCode window")')
export abstract class MessagesRef {
  @Field(() => ID) personId!: string;
  @Field(() => ID) regionCode!: string;
  @Field(() => String) window!: string;
}

function stubs(prefix: string): Function[] {
  @ObjectType(`${prefix}Region`, { implements: RegionRef })
  @Directive('@key(fields: "code")')
  class RegionStub extends RegionRef {}

  @ObjectType(`${prefix}Application`, { implements: ApplicationRef })
  @Directive('@key(fields: "ref")')
  class ApplicationStub extends ApplicationRef {}

  @ObjectType(`${prefix}Record`, { implements: RecordRef })
  @Directive('@key(fields: "personId regionCode")')
  class RecordStub extends RecordRef {}

  @ObjectType(`${prefix}Messages`, { implements: MessagesRef })
  @Directive('@key(fields: "personId regionCode window")')
  class MessagesStub extends MessagesRef {}

  return [RegionStub, ApplicationStub, RecordStub, MessagesStub];
}

export const STUBS = REGIONS.flatMap((r) => stubs(r.prefix));

@ObjectType('Person')
@Directive('@key(fields: "id")')
export class Person {
  @Field(() => ID) id: string;
  @Field(() => String) name: string;
  @Field(() => String, { description: '"510402********1234"; the full number is never served.' })
  idNumberMasked: string;
  @Field(() => String, { nullable: true, description: '"138****5678"' }) phoneMasked: string | null;
  @Field(() => InsuranceTypeEnum) insuranceType: InsuranceType;
  @Field(() => ID, {
    nullable: true,
    description:
      '常住地/居住地: region code where the person lives long-term, when outside the insured region; null = lives there.',
  })
  residenceRegionCode: string | null;
  @Field(() => String, { nullable: true, description: 'e.g. 广东省云浮市; null with residenceRegionCode.' })
  residenceRegionName: string | null;

  constructor(private readonly row: PersonRow) {
    this.id = row.id;
    this.name = row.name;
    this.idNumberMasked = row.idNumberMasked;
    this.phoneMasked = row.phoneMasked;
    this.insuranceType = row.insuranceType;
    this.residenceRegionCode = row.residenceRegionCode ?? null;
    this.residenceRegionName = row.residenceRegionCode ? (row.residenceRegionName ?? null) : null;
  }

  @Field(() => RegionRef)
  insuredRegion(): RegionRef {
    const ref = regionRef(this.row.insuredRegionCode);
    if (!ref) throw new Error(`person ${this.id}: insured region ${this.row.insuredRegionCode} is not in the registry`);
    return ref;
  }

  @Field(() => [RecordRef], {
    nullable: 'items',
    description:
      'One per region where the national index knows the person has history (insured now, formerly insured, filed, applied), each from that region; a region that is down is null with an error naming it. scope: ALL_REGIONS asks every region (national operators; a reviewer adds their own region).',
  })
  async records(
    @Arg('scope', () => RecordsScopeEnum, { defaultValue: 'HISTORY' }) scope: RecordsScope,
    @Ctx() ctx: NationalContext,
  ): Promise<(RecordRef & Typed)[]> {
    const codes = await recordsRegions(ctx, this.row, scope);
    return REGIONS.filter((r) => codes.has(r.code)).map((r) => ({
      __typename: `${r.prefix}Record`,
      personId: this.id,
      regionCode: r.code,
    }));
  }

  @Field(() => [MessagesRef], {
    nullable: 'items',
    description:
      "我的消息: the SMS and app messages about the person, one page per region where they have history, each newest first and served by that region; a region that is down is null with an error naming it. To read further in one region pass its pageInfo.endCursor as `after`: the answer is then that region's next page only.",
  })
  async notifications(
    @Arg('first', () => Int, { defaultValue: 20, description: 'Per region, 1-100.' }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: NationalContext,
  ): Promise<(MessagesRef & Typed)[]> {
    return messagePages(ctx, this.row, first, after);
  }
}
