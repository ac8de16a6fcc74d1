import { Directive, Field, InputType, ObjectType } from 'type-graphql';

import type { FeedbackCategory } from '../persistence/db/appeal.entities';
import { Feedback, FeedbackCategoryEnum } from './appeal.types';
import { Problem } from './mutation.types';

// The input and payload of send<P>Feedback / reply<P>Feedback (apart from ./appeal.types.ts,
// which the interfaces import: mutation.types imports them in turn).

@InputType()
export class FeedbackInput {
  @Field(() => FeedbackCategoryEnum) category!: FeedbackCategory;
  @Field(() => String, { description: 'At most 50 characters.' }) subject!: string;
  @Field(() => String, { description: 'At most 1000 characters.' }) text!: string;
  @Field(() => String, { nullable: true, description: 'One of your applications in this region, if it is about one.' })
  acceptanceNumber?: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'The same key twice returns the first result; a key reused for another request is refused.',
  })
  idempotencyKey?: string | null;
}

@ObjectType()
@Directive('@shareable')
export class FeedbackPayload {
  @Field(() => Feedback, { nullable: true }) feedback!: Feedback | null;
  @Field(() => [Problem], { description: 'Non-empty means nothing was stored.' }) problems!: Problem[];
}
