import {
  Args,
  ArgsType,
  Ctx,
  Directive,
  Field,
  FieldResolver,
  ID,
  Int,
  Mutation,
  ObjectType,
  registerEnumType,
  Resolver,
  Root,
} from 'type-graphql';

import type { ChannelKind } from '../../domain/policy';
import type { RegionDefinition } from '../../domain/region-definition';
import {
  CounterActionEntity,
  type CounterActionKind,
  InPersonRequestEntity,
  type InPersonStatus,
} from '../../persistence/db/counter.entities';
import { CounterDesk } from '../../workflow/counter';
import type { ApplicationBase } from '../application.interface';
import type { RegionalContext } from '../context';
import { ChannelKindEnum } from '../enums';
import { ApplicationInput, ApplicationPayload, MaterialInput } from '../mutation.types';
import { DateScalar, DateTimeScalar } from '../scalars';
import { applicationPayload, type RegionObjectTypes } from './types';

// The counter's entry points (workflow/counter.ts, workflow/in-person.ts): three mutations
// for a region's COUNTER_CLERK and two fields on the region's Application type.

export const CounterActionKindEnum = {
  SUBMITTED: 'SUBMITTED',
  SUPPLEMENTED: 'SUPPLEMENTED',
  IN_PERSON_VERIFIED: 'IN_PERSON_VERIFIED',
} as const;
registerEnumType(CounterActionKindEnum, { name: 'CounterActionKind', description: '窗口代办 / 代补材料 / 线下核验' });

export const InPersonVerificationStatusEnum = {
  REQUESTED: 'REQUESTED',
  VERIFIED: 'VERIFIED',
  LAPSED: 'LAPSED',
  WITHDRAWN: 'WITHDRAWN',
} as const;
registerEnumType(InPersonVerificationStatusEnum, {
  name: 'InPersonVerificationStatus',
  description:
    'REQUESTED: waiting for the visit; VERIFIED: recorded at the counter; LAPSED: not come by the due date, closed by a reviewer; WITHDRAWN: the application was withdrawn.',
});

@ObjectType({ description: 'Something a counter clerk did for the applicant at the window (线下窗口).' })
@Directive('@shareable')
export class CounterAction {
  @Field(() => CounterActionKindEnum) action!: CounterActionKind;
  @Field(() => DateTimeScalar) at!: string;
  @Field(() => String, { description: 'The clerk, e.g. COUNTER_CLERK:510400:carol.' }) clerk!: string;
  @Field(() => ChannelKindEnum, { description: 'Always COUNTER.' }) channelKind!: ChannelKind;
  @Field(() => String, { description: 'The window, e.g. 攀枝花市政务中心医保窗口.' }) place!: string;
  @Field(() => Boolean, { description: "True when the region's file names no counter: the place is a placeholder." })
  placeIllustrative!: boolean;
  @Field(() => Boolean, {
    description: '原件核验: the clerk saw the originals (and, for a visit, found them matching).',
  })
  originalsVerified!: boolean;
  @Field(() => String, { nullable: true }) note!: string | null;
}

@ObjectType({ description: '线下补充核验 asked for by a reviewer: come to the window with originals by dueDate.' })
@Directive('@shareable')
export class InPersonVerification {
  @Field(() => InPersonVerificationStatusEnum) status!: InPersonStatus;
  @Field(() => String, { description: 'What to bring and why (the reviewer).' }) reason!: string;
  @Field(() => DateScalar) requestedOn!: string;
  @Field(() => DateScalar, { description: 'The last working day to come.' }) dueDate!: string;
  @Field(() => Int) dueWorkingDays!: number;
  @Field(() => Boolean, {
    description: 'True: no regional document gives the period; the number of working days is a placeholder.',
  })
  dueIllustrative!: boolean;
  @Field(() => String) place!: string;
  @Field(() => Boolean) placeIllustrative!: boolean;
  @Field(() => DateTimeScalar, { nullable: true }) settledAt!: string | null;
}

@ArgsType()
class CounterSubmitArgs {
  @Field(() => ID, { description: 'The person, as found by `personByIdNumber` (national person index).' })
  personId!: string;
  @Field(() => ApplicationInput) input!: ApplicationInput;
  @Field(() => Boolean, {
    description: '原件核验: the clerk saw the originals of the ID and the materials (must be true).',
  })
  originalsVerified!: boolean;
}

@ArgsType()
class CounterSupplementArgs {
  @Field(() => ID) personId!: string;
  @Field(() => String) acceptanceNumber!: string;
  @Field(() => [MaterialInput]) materials!: MaterialInput[];
  @Field(() => Boolean, { description: '原件核验 of the supplemented materials (must be true).' })
  originalsVerified!: boolean;
  @Field(() => String, { nullable: true, description: 'The same key twice returns the first result.' })
  idempotencyKey?: string | null;
}

@ArgsType()
class InPersonArgs {
  @Field(() => ID) personId!: string;
  @Field(() => String) acceptanceNumber!: string;
  @Field(() => Boolean, { description: 'What the clerk found: the originals match the uploaded copies.' })
  originalsVerified!: boolean;
  @Field(() => String, { nullable: true }) note?: string | null;
  @Field(() => String, { nullable: true, description: 'The same key twice returns the first result.' })
  idempotencyKey?: string | null;
}

export function createCounterResolvers(def: RegionDefinition, { ConcreteApplication }: RegionObjectTypes) {
  const { prefix } = def;
  const payload = applicationPayload({ ConcreteApplication });
  const desk = (ctx: RegionalContext) => new CounterDesk(ctx.workflow, ctx.requestId);

  @Resolver()
  class CounterMutationResolver {
    @Mutation(() => ApplicationPayload, {
      name: `submit${prefix}ApplicationAtCounter`,
      description: `A counter clerk of ${def.policy.name} applies for a person at the window (窗口代办), originals verified.`,
    })
    async submitAtCounter(
      @Args(() => CounterSubmitArgs) args: CounterSubmitArgs,
      @Ctx() ctx: RegionalContext,
    ): Promise<ApplicationPayload> {
      return payload(
        await desk(ctx).submit(ctx.identity, args.personId, args.input, {
          originalsVerified: args.originalsVerified,
          deadline: ctx.deadline,
        }),
      );
    }

    @Mutation(() => ApplicationPayload, {
      name: `supplement${prefix}MaterialsAtCounter`,
      description: 'A counter clerk supplements materials for the applicant, originals verified.',
    })
    async supplementAtCounter(
      @Args(() => CounterSupplementArgs) args: CounterSupplementArgs,
      @Ctx() ctx: RegionalContext,
    ): Promise<ApplicationPayload> {
      return payload(
        await desk(ctx).supplement(ctx.identity, args.personId, args.acceptanceNumber, args.materials, {
          originalsVerified: args.originalsVerified,
          idempotencyKey: args.idempotencyKey,
          deadline: ctx.deadline,
        }),
      );
    }

    @Mutation(() => ApplicationPayload, {
      name: `record${prefix}InPersonVerification`,
      description:
        'A counter clerk records the in-person verification (线下补充核验) a reviewer asked for: back to review.',
    })
    async recordInPerson(
      @Args(() => InPersonArgs) args: InPersonArgs,
      @Ctx() ctx: RegionalContext,
    ): Promise<ApplicationPayload> {
      return payload(
        await desk(ctx).recordInPerson(ctx.identity, args.personId, args.acceptanceNumber, {
          originalsVerified: args.originalsVerified,
          note: args.note,
          idempotencyKey: args.idempotencyKey,
          deadline: ctx.deadline,
        }),
      );
    }
  }

  // The application was authorized by whoever handed it out; these read only its own rows.
  @Resolver(() => ConcreteApplication)
  class CounterFieldResolver {
    @FieldResolver(() => [CounterAction], {
      description: 'What counter clerks did for this application, oldest first.',
    })
    async counterActions(@Root() application: ApplicationBase, @Ctx() ctx: RegionalContext): Promise<CounterAction[]> {
      const rows = await ctx.workflow.ds
        .getRepository(CounterActionEntity)
        .find({ where: { applicationId: application.id }, order: { position: 'ASC' } });
      return rows.map((r) => ({
        action: r.action,
        at: r.at,
        clerk: r.clerk,
        channelKind: 'COUNTER',
        place: r.place,
        placeIllustrative: r.placeIllustrative,
        originalsVerified: r.originalsVerified,
        note: r.note,
      }));
    }

    @FieldResolver(() => InPersonVerification, {
      nullable: true,
      description: 'The latest in-person verification asked for, if any.',
    })
    async inPersonVerification(
      @Root() application: ApplicationBase,
      @Ctx() ctx: RegionalContext,
    ): Promise<InPersonVerification | null> {
      const row = await ctx.workflow.ds
        .getRepository(InPersonRequestEntity)
        .findOne({ where: { applicationId: application.id }, order: { requestedAt: 'DESC', id: 'DESC' } });
      if (!row) return null;
      const {
        reason,
        status,
        requestedOn,
        dueDate,
        dueWorkingDays,
        dueIllustrative,
        place,
        placeIllustrative,
        settledAt,
      } = row;
      return {
        reason,
        status,
        requestedOn,
        dueDate,
        dueWorkingDays,
        dueIllustrative,
        place,
        placeIllustrative,
        settledAt,
      };
    }
  }

  return [CounterMutationResolver, CounterFieldResolver] as const;
}
