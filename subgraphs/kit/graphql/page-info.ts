import { Directive, Field, ObjectType } from 'type-graphql';

/** Relay's PageInfo: pass endCursor as `after` for the next page while hasNextPage. */
@ObjectType()
@Directive('@shareable')
export class PageInfo {
  @Field(() => String, { nullable: true, description: 'The last edge’s cursor; null for an empty page.' })
  endCursor!: string | null;
  @Field(() => Boolean) hasNextPage!: boolean;
}
