import { Args, ArgsType, Ctx, Directive, Field, Int, ObjectType, Query, Resolver } from 'type-graphql';
import type { DataSource } from 'typeorm';

import type { RegionDefinition } from '../../domain/region-definition';
import type { AuditAction } from '../../persistence/audit';
import { ApplicationEntity, type ApplicationRow, type ApplicationStatus } from '../../persistence/db/record.entities';
import { todayInChina } from '../../platform/clock';
import { checkFirst, decodeCursor, encodeCursor, toConnection } from '../../platform/pagination/cursor';
import { ApplicationBase } from '../application.interface';
import type { RegionalContext } from '../context';
import { ApplicationStatusEnum } from '../enums';
import { PageInfo } from '../page-info';
import { lowerFirst, type RegionObjectTypes } from './types';

// The review queue by keyset: `<region>ReviewQueueConnection(status, overdueOnly, first, after)`.
// Earliest due first, then by acceptance number; the next page starts strictly after the last
// (due_date, id) seen, so every page costs one statement reading first + 1 index entries
// (ix_application_queue), and rows inserted meanwhile never shift a page (no duplicates, no gaps).

const queueKind = (regionCode: string, status: string, overdueOnly: boolean) =>
  `queue:${regionCode}:${status}:${overdueOnly ? 'overdue' : 'all'}`;

/** One keyset page: WHERE region, status [, due < today] [, hospital] AND (due_date, id) > (after) ORDER BY due_date, id LIMIT n. */
export async function reviewQueuePage(
  ds: DataSource,
  q: { regionCode: string; status: string; overdueOnly: boolean; today: string; limit: number; hospitalCode?: string },
  after: { dueDate: string; id: string } | null,
): Promise<ApplicationRow[]> {
  const query = ds
    .getRepository(ApplicationEntity)
    .createQueryBuilder('a')
    .where('a.region_code = :regionCode AND a.status = :status', { regionCode: q.regionCode, status: q.status });
  if (q.overdueOnly) query.andWhere('a.due_date < :today', { today: q.today });
  // A hospital's queue (./hospital-resolvers.ts): only the applications naming it.
  if (q.hospitalCode !== undefined) query.andWhere('a.hospital_code = :hospital', { hospital: q.hospitalCode });
  if (after) {
    // (due_date, id) > (:due, :id), spelled out: portable, and every engine uses the index for it.
    query.andWhere('(a.due_date > :due OR (a.due_date = :due AND a.id > :id))', { due: after.dueDate, id: after.id });
  }
  return query.orderBy('a.due_date', 'ASC').addOrderBy('a.id', 'ASC').limit(q.limit).getMany();
}

/**
 * One page of a keyset queue as a connection: reads first + 1 rows, primes the request's loader with
 * them and records one audit row per person on the page (one INSERT with the request's others).
 */
export async function queueConnection(
  ctx: RegionalContext,
  ConcreteApplication: RegionObjectTypes['ConcreteApplication'],
  auditAction: AuditAction,
  kind: string,
  first: number,
  after: ReturnType<typeof decodeCursor>,
  q: { regionCode: string; status: string; overdueOnly: boolean; hospitalCode?: string },
) {
  const rows = await reviewQueuePage(
    ctx.ds,
    { ...q, today: todayInChina(ctx.clock()), limit: first + 1 },
    after ? { dueDate: String(after[0]), id: String(after[1]) } : null,
  );
  for (const row of rows.slice(0, first)) {
    ctx.records.application.prime(row.id, row);
    await ctx.audit.record(auditAction, row.personId);
  }
  return toConnection(
    rows,
    first,
    (row) => encodeCursor(kind, [row.dueDate, row.id]),
    (row) => new ConcreteApplication(row),
  );
}

@ArgsType()
class QueueConnectionArgs {
  @Field(() => ApplicationStatusEnum, { defaultValue: 'ACCEPTED' }) status!: ApplicationStatus;
  @Field(() => Boolean, { defaultValue: false, description: 'Only applications past their due date.' })
  overdueOnly!: boolean;
  @Field(() => Int, { defaultValue: 50, description: 'At most 1000.' }) first!: number;
  @Field(() => String, { nullable: true, description: 'pageInfo.endCursor of the previous page.' })
  after?: string | null;
}

/**
 * One page of a review queue. Shared by every region (the node is the Application interface,
 * each edge a region's own concrete type): a type per region would cost the gateway memory and
 * planning time at national scale (README "Scale"), and nothing routes by these types.
 */
@ObjectType('ApplicationEdge')
@Directive('@shareable')
export class ApplicationEdge {
  @Field(() => String) cursor!: string;
  @Field(() => ApplicationBase) node!: ApplicationBase;
}

@ObjectType('ApplicationConnection')
@Directive('@shareable')
export class ApplicationConnection {
  @Field(() => [ApplicationEdge]) edges!: ApplicationEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

export function createQueueResolver(def: RegionDefinition, { ConcreteApplication }: RegionObjectTypes) {
  const { prefix } = def;

  @Resolver()
  class QueueResolver {
    @Query(() => ApplicationConnection, {
      name: `${lowerFirst(prefix)}ReviewQueueConnection`,
      description: `${def.policy.name}'s applications by due date, page by page (keyset: the same cost at any depth), for its reviewers (national operators may read it).`,
    })
    async queue(@Args(() => QueueConnectionArgs) args: QueueConnectionArgs, @Ctx() ctx: RegionalContext) {
      // Who may ask: REGION_STAFF in regionalAccessTable, enforced before this runs.
      const first = checkFirst(args.first);
      const kind = queueKind(def.policy.code, args.status, args.overdueOnly);
      const key = decodeCursor(kind, args.after, ['string', 'string']);
      return queueConnection(ctx, ConcreteApplication, 'READ_REVIEW_QUEUE', kind, first, key, {
        regionCode: def.policy.code,
        status: args.status,
        overdueOnly: args.overdueOnly,
      });
    }
  }
  return QueueResolver;
}
