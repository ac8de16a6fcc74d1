import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

import { type AppealRules, appealRulesIllustrative } from '../domain/appeal-rules';
import { calendarSources } from '../domain/calendar';
import type {
  AppealRow,
  AppealStatus,
  FeedbackCategory,
  FeedbackRow,
  FeedbackStatus,
} from '../persistence/db/appeal.entities';
import { PageInfo } from './page-info';
import { DueDate } from './policy.types';
import { DateTimeScalar } from './scalars';

// 申诉 and 意见反馈 as served by every regional subgraph (@shareable value types).

export const AppealStatusEnum = { PENDING: 'PENDING', UPHELD: 'UPHELD', DISMISSED: 'DISMISSED' } as const;
registerEnumType(AppealStatusEnum, { name: 'AppealStatus', description: '处理中 / 申诉成立 / 申诉不成立' });

export const AppealDecisionEnum = { UPHOLD: 'UPHOLD', DISMISS: 'DISMISS' } as const;
registerEnumType(AppealDecisionEnum, {
  name: 'AppealDecision',
  description: 'UPHOLD approves the application as a review would; DISMISS keeps it rejected.',
});

export const FeedbackCategoryEnum = {
  CONSULTATION: 'CONSULTATION',
  COMPLAINT: 'COMPLAINT',
  SUGGESTION: 'SUGGESTION',
  OTHER: 'OTHER',
} as const;
registerEnumType(FeedbackCategoryEnum, { name: 'FeedbackCategory', description: '咨询 / 投诉 / 建议 / 其他' });

export const FeedbackStatusEnum = { OPEN: 'OPEN', REPLIED: 'REPLIED' } as const;
registerEnumType(FeedbackStatusEnum, { name: 'FeedbackStatus', description: '待答复 / 已答复' });

@ObjectType({ description: '申诉 against a rejection, decided by another reviewer than the one who rejected.' })
@Directive('@shareable')
export class Appeal {
  @Field(() => ID) id!: string;
  @Field(() => String) acceptanceNumber!: string;
  @Field(() => AppealStatusEnum) status!: AppealStatus;
  @Field(() => String) reason!: string;
  @Field(() => DateTimeScalar) filedAt!: string;
  @Field(() => DueDate, { description: "Working days from the day after filing: the region's appeal review time." })
  dueDate!: DueDate;
  @Field(() => DateTimeScalar, { nullable: true }) decidedAt!: string | null;
  @Field(() => String, { nullable: true, description: 'Why it was dismissed (or a note on upholding it).' })
  decisionReason!: string | null;
}

// The appeal and feedback queues' connections: one set of types for every region (the node types
// are shared already), so 400 regions add no types to the supergraph.

@ObjectType()
@Directive('@shareable')
export class AppealEdge {
  @Field(() => String) cursor!: string;
  @Field(() => Appeal) node!: Appeal;
}

@ObjectType({ description: 'One page of an appeal queue: pass pageInfo.endCursor as `after` for the next.' })
@Directive('@shareable')
export class AppealConnection {
  @Field(() => [AppealEdge]) edges!: AppealEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

export function toAppeal(row: AppealRow): Appeal {
  return {
    id: row.id,
    acceptanceNumber: row.applicationId,
    status: row.status,
    reason: row.reason,
    filedAt: row.filedAt,
    dueDate: {
      date: row.dueDate,
      workingDays: row.dueWorkingDays,
      provisional: row.dueProvisional,
      calendarSources: calendarSources(row.filedOn, row.dueDate),
    },
    decidedAt: row.decidedAt,
    decisionReason: row.decisionReason,
  };
}

@ObjectType({ description: "The region's appeal figures, each with its source." })
@Directive('@shareable')
export class AppealPolicy {
  @Field(() => Int, { description: 'An appeal may be filed until this many calendar days after the rejection.' })
  periodDays!: number;
  @Field(() => String) periodSource!: string;
  @Field(() => Boolean, { description: 'True when no document gives the period.' }) periodIllustrative!: boolean;
  @Field(() => Int, { description: 'Working days, from the day after filing, to decide an appeal.' })
  reviewWorkingDays!: number;
  @Field(() => String) reviewSource!: string;
  @Field(() => Boolean, { description: 'True when no document gives the review time.' }) reviewIllustrative!: boolean;
  @Field(() => Boolean, { description: 'True when either figure is a placeholder.' }) illustrative!: boolean;
}

export function toAppealPolicy(rules: AppealRules): AppealPolicy {
  const flags = appealRulesIllustrative(rules);
  return {
    periodDays: rules.periodDays,
    periodSource: rules.periodSource,
    periodIllustrative: flags.period,
    reviewWorkingDays: rules.reviewWorkingDays,
    reviewSource: rules.reviewSource,
    reviewIllustrative: flags.review,
    illustrative: flags.period || flags.review,
  };
}

@ObjectType({ description: '意见反馈 with the region’s reply.' })
@Directive('@shareable')
export class Feedback {
  @Field(() => ID, { description: '反馈编号: F + region code + date + sequence + check character.' })
  trackingNumber!: string;
  @Field(() => FeedbackCategoryEnum) category!: FeedbackCategory;
  @Field(() => String) subject!: string;
  @Field(() => String) text!: string;
  @Field(() => String, { nullable: true }) acceptanceNumber!: string | null;
  @Field(() => FeedbackStatusEnum) status!: FeedbackStatus;
  @Field(() => DateTimeScalar) submittedAt!: string;
  @Field(() => String, { nullable: true }) reply!: string | null;
  @Field(() => DateTimeScalar, { nullable: true }) repliedAt!: string | null;
}

@ObjectType()
@Directive('@shareable')
export class FeedbackEdge {
  @Field(() => String) cursor!: string;
  @Field(() => Feedback) node!: Feedback;
}

@ObjectType({ description: 'One page of a feedback queue: pass pageInfo.endCursor as `after` for the next.' })
@Directive('@shareable')
export class FeedbackConnection {
  @Field(() => [FeedbackEdge]) edges!: FeedbackEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

export function toFeedback(row: FeedbackRow): Feedback {
  return {
    trackingNumber: row.id,
    category: row.category,
    subject: row.subject,
    text: row.text,
    acceptanceNumber: row.applicationId,
    status: row.status,
    submittedAt: row.submittedAt,
    reply: row.reply,
    repliedAt: row.repliedAt,
  };
}
