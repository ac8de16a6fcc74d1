import { Args, ArgsType, Ctx, Field, Int, Mutation, Query, Resolver } from 'type-graphql';

import type { MaterialInput as MaterialRequest } from '../../domain/inputs';
import type { RegionDefinition } from '../../domain/region-definition';
import { appealQueuePage, feedbackQueuePage } from '../../persistence/appeal.loader';
import type { AppealStatus, FeedbackStatus } from '../../persistence/db/appeal.entities';
import { badInput, problem } from '../../platform/errors';
import {
  checkFirst,
  checkOffset,
  decodeCursor,
  encodeCursor,
  MAX_OFFSET,
  toConnection,
} from '../../platform/pagination/cursor';
import type { AppealDecision } from '../../workflow/appeals';
import {
  Appeal,
  AppealConnection,
  AppealDecisionEnum,
  AppealStatusEnum,
  Feedback,
  FeedbackConnection,
  FeedbackStatusEnum,
  toAppeal,
  toFeedback,
} from '../appeal.types';
import type { RegionalContext } from '../context';
import { FeedbackInput, FeedbackPayload } from '../feedback.types';
import { ApplicationPayload, MaterialInput } from '../mutation.types';
import { applicationPayload, lowerFirst, type RegionObjectTypes } from './types';

// The region's 申诉 and 意见反馈 entry points; who may call each: regionalAccessTable.

const IDEMPOTENCY_KEY = 'The same key twice returns the first result; a key reused for another request is refused.';

@ArgsType()
class AppealArgs {
  @Field(() => String) acceptanceNumber!: string;
  @Field(() => String, { description: '申诉理由, at most 500 characters.' }) reason!: string;
  @Field(() => [MaterialInput], { nullable: true, description: 'Uploaded files (by sha256), as for a supplement.' })
  materials?: MaterialRequest[] | null;
  @Field(() => String, { nullable: true, description: IDEMPOTENCY_KEY }) idempotencyKey?: string | null;
}

@ArgsType()
class ReviewAppealArgs {
  @Field(() => String) acceptanceNumber!: string;
  @Field(() => AppealDecisionEnum) decision!: AppealDecision;
  @Field(() => String, { nullable: true, description: 'Required for DISMISS (why).' }) reason?: string | null;
  @Field(() => String, { nullable: true, description: IDEMPOTENCY_KEY }) idempotencyKey?: string | null;
}

@ArgsType()
class SendFeedbackArgs {
  @Field(() => FeedbackInput) input!: FeedbackInput;
}

@ArgsType()
class ReplyFeedbackArgs {
  @Field(() => String) trackingNumber!: string;
  @Field(() => String, { description: 'At most 1000 characters; identity and phone numbers in it are masked.' })
  reply!: string;
  @Field(() => String, { nullable: true, description: IDEMPOTENCY_KEY }) idempotencyKey?: string | null;
}

const MAX_PAGE = 1000;
const OFFSET_DESCRIPTION = `At most ${MAX_OFFSET}; deeper pages: the connection's \`after\` cursor.`;

@ArgsType()
class AppealQueueArgs {
  @Field(() => AppealStatusEnum, { defaultValue: 'PENDING' }) status!: AppealStatus;
  @Field(() => Int, { defaultValue: 50, description: `At most ${MAX_PAGE}.` }) first!: number;
  @Field(() => Int, { defaultValue: 0, description: OFFSET_DESCRIPTION }) offset!: number;
}

@ArgsType()
class FeedbackQueueArgs {
  @Field(() => FeedbackStatusEnum, { defaultValue: 'OPEN' }) status!: FeedbackStatus;
  @Field(() => Int, { defaultValue: 50, description: `At most ${MAX_PAGE}.` }) first!: number;
  @Field(() => Int, { defaultValue: 0, description: OFFSET_DESCRIPTION }) offset!: number;
}

const AFTER_DESCRIPTION = 'pageInfo.endCursor of the previous page.';

@ArgsType()
class AppealConnectionArgs {
  @Field(() => AppealStatusEnum, { defaultValue: 'PENDING' }) status!: AppealStatus;
  @Field(() => Int, { defaultValue: 50, description: `At most ${MAX_PAGE}.` }) first!: number;
  @Field(() => String, { nullable: true, description: AFTER_DESCRIPTION }) after?: string | null;
}

@ArgsType()
class FeedbackConnectionArgs {
  @Field(() => FeedbackStatusEnum, { defaultValue: 'OPEN' }) status!: FeedbackStatus;
  @Field(() => Int, { defaultValue: 50, description: `At most ${MAX_PAGE}.` }) first!: number;
  @Field(() => String, { nullable: true, description: AFTER_DESCRIPTION }) after?: string | null;
}

function checkPage(first: number, offset: number): void {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE || offset < 0) {
    throw badInput([problem('INVALID_PAGE', `每页条数须在1到${MAX_PAGE}之间，偏移量不能为负`, 'first')]);
  }
  checkOffset(offset);
}

// A queue cursor names its region and status: another list's cursor is INVALID_CURSOR.
const appealKind = (regionCode: string, status: string) => `appeals:${regionCode}:${status}`;
const feedbackKind = (regionCode: string, status: string) => `feedback:${regionCode}:${status}`;

export function createAppealResolvers(def: RegionDefinition, { ConcreteApplication }: RegionObjectTypes) {
  const { prefix } = def;
  const field = lowerFirst(prefix);

  const payload = applicationPayload({ ConcreteApplication });

  @Resolver()
  class AppealResolver {
    @Mutation(() => ApplicationPayload, {
      name: `appeal${prefix}Application`,
      description: `申诉 against a rejection by ${def.policy.name}, within its appeal period (Region.appealPolicy).`,
    })
    async appeal(@Args(() => AppealArgs) args: AppealArgs, @Ctx() ctx: RegionalContext): Promise<ApplicationPayload> {
      return payload(
        await ctx.appeals.appeal(ctx.identity, args.acceptanceNumber, args.reason, args.materials, {
          idempotencyKey: args.idempotencyKey,
          deadline: ctx.deadline,
        }),
      );
    }

    @Mutation(() => ApplicationPayload, {
      name: `review${prefix}Appeal`,
      description: 'Decided by a reviewer of the region other than the one who rejected the application.',
    })
    async reviewAppeal(
      @Args(() => ReviewAppealArgs) args: ReviewAppealArgs,
      @Ctx() ctx: RegionalContext,
    ): Promise<ApplicationPayload> {
      return payload(
        await ctx.appeals.review(ctx.identity, ctx.requestId, args.acceptanceNumber, args.decision, args.reason, {
          idempotencyKey: args.idempotencyKey,
          deadline: ctx.deadline,
        }),
      );
    }

    @Mutation(() => FeedbackPayload, {
      name: `send${prefix}Feedback`,
      description: `意见反馈 to ${def.policy.name}: answered with a tracking number; the reply appears in your records.`,
    })
    async sendFeedback(
      @Args(() => SendFeedbackArgs) { input }: SendFeedbackArgs,
      @Ctx() ctx: RegionalContext,
    ): Promise<FeedbackPayload> {
      const outcome = await ctx.feedback.send(ctx.identity, input, { deadline: ctx.deadline });
      return { feedback: outcome.value && toFeedback(outcome.value), problems: outcome.problems };
    }

    @Mutation(() => FeedbackPayload, { name: `reply${prefix}Feedback`, description: 'The region’s reply, notified.' })
    async replyFeedback(
      @Args(() => ReplyFeedbackArgs) args: ReplyFeedbackArgs,
      @Ctx() ctx: RegionalContext,
    ): Promise<FeedbackPayload> {
      const outcome = await ctx.feedback.reply(ctx.identity, args.trackingNumber, args.reply, {
        idempotencyKey: args.idempotencyKey,
        deadline: ctx.deadline,
      });
      return { feedback: outcome.value && toFeedback(outcome.value), problems: outcome.problems };
    }

    @Query(() => [Appeal], {
      name: `${field}AppealQueue`,
      description: `${def.policy.name}'s appeals by due date, for its reviewers (national operators may read it).`,
    })
    async appealQueue(@Args(() => AppealQueueArgs) args: AppealQueueArgs, @Ctx() ctx: RegionalContext) {
      checkPage(args.first, args.offset);
      const rows = await ctx.appealRecords.appealQueue(def.policy.code, args.status, args.first, args.offset);
      for (const row of rows) await ctx.audit.record('READ_REVIEW_QUEUE', row.personId);
      return rows.map(toAppeal);
    }

    @Query(() => [Feedback], {
      name: `${field}FeedbackQueue`,
      description: `Feedback sent to ${def.policy.name}, oldest first, for its reviewers (national operators may read it).`,
    })
    async feedbackQueue(@Args(() => FeedbackQueueArgs) args: FeedbackQueueArgs, @Ctx() ctx: RegionalContext) {
      checkPage(args.first, args.offset);
      const rows = await ctx.appealRecords.feedbackQueue(def.policy.code, args.status, args.first, args.offset);
      for (const row of rows) await ctx.audit.record('READ_REVIEW_QUEUE', row.personId);
      return rows.map(toFeedback);
    }

    @Query(() => AppealConnection, {
      name: `${field}AppealQueueConnection`,
      description: `${def.policy.name}'s appeals by due date, page by page (keyset: the same cost at any depth), for its reviewers (national operators may read it).`,
    })
    async appealQueueConnection(
      @Args(() => AppealConnectionArgs) args: AppealConnectionArgs,
      @Ctx() ctx: RegionalContext,
    ) {
      const first = checkFirst(args.first, MAX_PAGE);
      const kind = appealKind(def.policy.code, args.status);
      const key = decodeCursor(kind, args.after, ['string', 'string']);
      const after = key ? { key: String(key[0]), id: String(key[1]) } : null;
      const rows = await appealQueuePage(ctx.ds, def.policy.code, args.status, first + 1, after);
      for (const row of rows.slice(0, first)) await ctx.audit.record('READ_REVIEW_QUEUE', row.personId);
      return toConnection(rows, first, (row) => encodeCursor(kind, [row.dueDate, row.id]), toAppeal);
    }

    @Query(() => FeedbackConnection, {
      name: `${field}FeedbackQueueConnection`,
      description: `Feedback sent to ${def.policy.name}, oldest first, page by page (keyset), for its reviewers (national operators may read it).`,
    })
    async feedbackQueueConnection(
      @Args(() => FeedbackConnectionArgs) args: FeedbackConnectionArgs,
      @Ctx() ctx: RegionalContext,
    ) {
      const first = checkFirst(args.first, MAX_PAGE);
      const kind = feedbackKind(def.policy.code, args.status);
      const key = decodeCursor(kind, args.after, ['string', 'string']);
      const after = key ? { key: String(key[0]), id: String(key[1]) } : null;
      const rows = await feedbackQueuePage(ctx.ds, def.policy.code, args.status, first + 1, after);
      for (const row of rows.slice(0, first)) await ctx.audit.record('READ_REVIEW_QUEUE', row.personId);
      return toConnection(rows, first, (row) => encodeCursor(kind, [row.submittedAt, row.id]), toFeedback);
    }
  }
  return [AppealResolver] as const;
}
