import { Args, ArgsType, Ctx, Field, Int, Mutation, Query, registerEnumType, Resolver } from 'type-graphql';

import type { RegionDefinition } from '../../domain/region-definition';
import { checkFirst, decodeCursor } from '../../platform/pagination/cursor';
import { requireHospitalReviewer } from '../../workflow/authorization';
import type { HospitalDecision } from '../../workflow/hospital-review';
import type { RegionalContext } from '../context';
import { ApplicationPayload } from '../mutation.types';
import { ApplicationConnection, queueConnection } from './queue';
import { applicationPayload, lowerFirst, type RegionObjectTypes } from './types';

// 经定点医疗机构审核备案 (workflow/hospital-review.ts): what a region's HOSPITAL_REVIEWER calls.
// Every region has both entry points (the schema is the kit's); a region without
// `rules.hospitalReview` never has an application awaiting a hospital, so its queue is empty and
// a decision answers HOSPITAL_REVIEW_NOT_PENDING.

export const HospitalDecisionEnum = { CONFIRM: 'CONFIRM', DECLINE: 'DECLINE' } as const;
registerEnumType(HospitalDecisionEnum, {
  name: 'HospitalReviewDecision',
  description:
    '定点医疗机构审核: CONFIRM (审核通过，备案: on to the region) / DECLINE (不通过: rejected, with a reason).',
});

@ArgsType()
class HospitalReviewArgs {
  @Field(() => String) acceptanceNumber!: string;
  @Field(() => HospitalDecisionEnum) decision!: HospitalDecision;
  @Field(() => String, { nullable: true, description: 'Required for DECLINE (why); told to the applicant.' })
  reason?: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'The same key twice returns the first result; a key reused for another request is refused.',
  })
  idempotencyKey?: string | null;
}

@ArgsType()
class HospitalQueueArgs {
  @Field(() => Int, { defaultValue: 50, description: 'At most 1000.' }) first!: number;
  @Field(() => String, { nullable: true, description: 'pageInfo.endCursor of the previous page.' })
  after?: string | null;
}

export function createHospitalResolvers(def: RegionDefinition, { ConcreteApplication }: RegionObjectTypes) {
  const { prefix } = def;
  const payload = applicationPayload({ ConcreteApplication });

  @Resolver()
  class HospitalResolver {
    @Mutation(() => ApplicationPayload, {
      name: `confirm${prefix}HospitalReview`,
      description: `经定点医疗机构审核备案: a reviewer of the designated hospital an application to ${def.policy.name} names confirms it (on to the region's review, its time running from today) or declines it (rejected, with a reason).`,
    })
    async confirm(
      @Args(() => HospitalReviewArgs) args: HospitalReviewArgs,
      @Ctx() ctx: RegionalContext,
    ): Promise<ApplicationPayload> {
      return payload(
        await ctx.workflow.reviewAtHospital(
          ctx.identity,
          ctx.requestId,
          args.acceptanceNumber,
          args.decision,
          args.reason,
          {
            idempotencyKey: args.idempotencyKey,
            deadline: ctx.deadline,
          },
        ),
      );
    }

    @Query(() => ApplicationConnection, {
      name: `${lowerFirst(prefix)}HospitalReviewQueue`,
      description: `Applications to ${def.policy.name} awaiting the caller's own designated hospital (AWAITING_HOSPITAL), earliest due first; for its hospital reviewers.`,
    })
    async queue(@Args(() => HospitalQueueArgs) args: HospitalQueueArgs, @Ctx() ctx: RegionalContext) {
      // Who may ask: REGION_HOSPITAL in regionalAccessTable; whose hospital: the caller's own.
      const hospitalCode = requireHospitalReviewer(ctx.identity, def);
      const first = checkFirst(args.first);
      const kind = `hospital-queue:${def.policy.code}:${hospitalCode}`;
      const key = decodeCursor(kind, args.after, ['string', 'string']);
      return queueConnection(ctx, ConcreteApplication, 'READ_HOSPITAL_QUEUE', kind, first, key, {
        regionCode: def.policy.code,
        status: 'AWAITING_HOSPITAL',
        overdueOnly: false,
        hospitalCode,
      });
    }
  }
  return HospitalResolver;
}
