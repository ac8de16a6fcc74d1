import { Args, ArgsType, Ctx, Field, Int, Mutation, Query, Resolver } from 'type-graphql';

import type { RegionDefinition } from '../../domain/region-definition';
import type { ApplicationStatus } from '../../persistence/db/record.entities';
import { badInput, problem } from '../../platform/errors';
import { checkOffset, MAX_OFFSET } from '../../platform/pagination/cursor';
import type { WriteOptions } from '../../workflow/workflow';
import type { RegionalContext } from '../context';
import { ApplicationStatusEnum } from '../enums';
import {
  ApplicationInput,
  ApplicationPayload,
  MaterialInput,
  RemoteCareInput,
  RemoteCarePayload,
  type ReviewDecision,
  ReviewDecisionEnum,
} from '../mutation.types';
import { toRemoteCareFiling } from '../record.service';
import { applicationPayload, lowerFirst, type RegionObjectTypes } from './types';

@ArgsType()
class AcceptanceNumberArgs {
  @Field(() => String) acceptanceNumber!: string;
  @Field(() => String, {
    nullable: true,
    description: 'The same key twice returns the first result; a key reused for another request is refused.',
  })
  idempotencyKey?: string | null;
}

@ArgsType()
class SupplementArgs extends AcceptanceNumberArgs {
  @Field(() => [MaterialInput]) materials!: MaterialInput[];
}

@ArgsType()
class ReviewArgs extends AcceptanceNumberArgs {
  @Field(() => ReviewDecisionEnum) decision!: ReviewDecision;
  @Field(() => String, {
    nullable: true,
    description: 'Required for REJECT (why) and REQUEST_SUPPLEMENT (what is missing).',
  })
  reason?: string | null;
}

const MAX_QUEUE_PAGE = 1000;

@ArgsType()
class ReviewQueueArgs {
  @Field(() => ApplicationStatusEnum, { defaultValue: 'ACCEPTED' }) status!: ApplicationStatus;
  @Field(() => Boolean, { defaultValue: false, description: 'Only applications past their due date.' })
  overdueOnly!: boolean;
  @Field(() => Int, { defaultValue: 50, description: `At most ${MAX_QUEUE_PAGE}.` }) first!: number;
  @Field(() => Int, {
    defaultValue: 0,
    description: `At most ${MAX_OFFSET}; deeper pages: ReviewQueueConnection's \`after\` cursor.`,
  })
  offset!: number;
}

@ArgsType()
class SubmitArgs {
  @Field(() => ApplicationInput) input!: ApplicationInput;
}

@ArgsType()
class RemoteCareArgs {
  @Field(() => RemoteCareInput) input!: RemoteCareInput;
}

const writeOptions = (args: AcceptanceNumberArgs, ctx: RegionalContext): WriteOptions => ({
  idempotencyKey: args.idempotencyKey,
  deadline: ctx.deadline,
});

/** The region's root queries and mutations. */
export function createRegionResolvers(
  def: RegionDefinition,
  { ConcreteRegion, ConcreteApplication }: RegionObjectTypes,
) {
  const { prefix } = def;

  @Resolver(() => ConcreteRegion)
  class ConcreteRegionResolver {
    @Query(() => ConcreteRegion, {
      name: `${lowerFirst(prefix)}Region`,
      description: `${def.policy.name} itself, for calling this subgraph directly.`,
    })
    region(): InstanceType<RegionObjectTypes['ConcreteRegion']> {
      return new ConcreteRegion(def.policy.code);
    }

    @Query(() => [ConcreteApplication], {
      name: `${lowerFirst(prefix)}ReviewQueue`,
      description: `${def.policy.name}'s applications by due date, for its reviewers (national operators may read it).`,
    })
    async reviewQueue(@Args(() => ReviewQueueArgs) args: ReviewQueueArgs, @Ctx() ctx: RegionalContext) {
      // Who may ask: REGION_STAFF in regionalAccessTable, enforced before this runs.
      if (!Number.isInteger(args.first) || args.first < 1 || args.first > MAX_QUEUE_PAGE || args.offset < 0) {
        throw badInput([problem('INVALID_PAGE', `每页条数须在1到${MAX_QUEUE_PAGE}之间，偏移量不能为负`, 'first')]);
      }
      checkOffset(args.offset); // capped: the connection's cursor goes deeper
      const rows = await ctx.records.reviewQueue(
        def.policy.code,
        args.status,
        args.overdueOnly,
        args.first,
        args.offset,
      );
      // One row per person on the page, written with the request's other rows in one INSERT.
      for (const row of rows) await ctx.audit.record('READ_REVIEW_QUEUE', row.personId);
      return rows.map((row) => new ConcreteApplication(row));
    }
  }

  const payload = applicationPayload({ ConcreteApplication });

  // The region's own mutations: typed per region so routing stays inside the query planner.
  @Resolver()
  class ConcreteMutationResolver {
    @Mutation(() => ApplicationPayload, {
      name: `submit${prefix}Application`,
      description: `Apply to ${def.policy.name}.`,
    })
    async submit(
      @Args(() => SubmitArgs) { input }: SubmitArgs,
      @Ctx() ctx: RegionalContext,
    ): Promise<ApplicationPayload> {
      return payload(await ctx.workflow.submit(ctx.identity, input, { deadline: ctx.deadline }));
    }

    @Mutation(() => ApplicationPayload, { name: `supplement${prefix}Materials` })
    async supplement(
      @Args(() => SupplementArgs) args: SupplementArgs,
      @Ctx() ctx: RegionalContext,
    ): Promise<ApplicationPayload> {
      return payload(
        await ctx.workflow.supplement(ctx.identity, args.acceptanceNumber, args.materials, writeOptions(args, ctx)),
      );
    }

    @Mutation(() => ApplicationPayload, { name: `withdraw${prefix}Application` })
    async withdraw(
      @Args(() => AcceptanceNumberArgs) args: AcceptanceNumberArgs,
      @Ctx() ctx: RegionalContext,
    ): Promise<ApplicationPayload> {
      return payload(await ctx.workflow.withdraw(ctx.identity, args.acceptanceNumber, writeOptions(args, ctx)));
    }

    @Mutation(() => ApplicationPayload, { name: `review${prefix}Application` })
    async review(@Args(() => ReviewArgs) args: ReviewArgs, @Ctx() ctx: RegionalContext): Promise<ApplicationPayload> {
      return payload(
        await ctx.workflow.review(
          ctx.identity,
          ctx.requestId,
          args.acceptanceNumber,
          args.decision,
          args.reason,
          writeOptions(args, ctx),
        ),
      );
    }

    @Mutation(() => RemoteCarePayload, {
      name: `file${prefix}RemoteCare`,
      description: `异地就医备案 with ${def.policy.name}.`,
    })
    async fileRemoteCare(
      @Args(() => RemoteCareArgs) { input }: RemoteCareArgs,
      @Ctx() ctx: RegionalContext,
    ): Promise<RemoteCarePayload> {
      const outcome = await ctx.workflow.fileRemoteCare(ctx.identity, input, { deadline: ctx.deadline });
      return { filing: outcome.value && toRemoteCareFiling(outcome.value), problems: outcome.problems };
    }
  }
  return [ConcreteRegionResolver, ConcreteMutationResolver] as const;
}
