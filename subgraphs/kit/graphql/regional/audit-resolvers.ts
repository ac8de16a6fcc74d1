import { createHash } from 'node:crypto';

import { Args, ArgsType, Ctx, Field, ID, Int, Query, Resolver } from 'type-graphql';

import type { RegionDefinition } from '../../domain/region-definition';
import { auditPage } from '../../persistence/audit';
import { badInput, problem } from '../../platform/errors';
import { checkFirst, decodeCursor, encodeCursor, toConnection } from '../../platform/pagination/cursor';
import { AuditEntryConnection, toAuditEntry } from '../audit.types';
import type { RegionalContext } from '../context';
import { lowerFirst } from './types';

// The region's audit log, read: `<region>AuditLog(subject, actor, first, after)`, newest first by
// keyset on (at, id). Who may read it: REGION_AUDIT in regionalAccessTable (this region's
// reviewers and national operators; not counter clerks, applicants or another region's staff).
// Every read is itself a row (READ_AUDIT_LOG), written with the request's other rows.

const MAX_AUDIT_PAGE = 200;

@ArgsType()
class AuditLogArgs {
  @Field(() => ID, { nullable: true, description: 'Only rows about this subject (a person id).' })
  subject?: string | null;
  @Field(() => String, { nullable: true, description: 'Only rows by this actor, e.g. REVIEWER:510400:alice.' })
  actor?: string | null;
  @Field(() => Int, { defaultValue: 50, description: `At most ${MAX_AUDIT_PAGE}.` }) first!: number;
  @Field(() => String, { nullable: true, description: 'pageInfo.endCursor of the previous page.' })
  after?: string | null;
}

/** The cursor names the region and the filter (digested: an actor may hold any character). */
const auditKind = (regionCode: string, subject: string, actor: string) =>
  `audit:${regionCode}:${createHash('sha256')
    .update(JSON.stringify([subject, actor]))
    .digest('base64url')
    .slice(0, 16)}`;

export function createAuditResolver(def: RegionDefinition) {
  @Resolver()
  class AuditLogResolver {
    @Query(() => AuditEntryConnection, {
      name: `${lowerFirst(def.prefix)}AuditLog`,
      description: `${def.policy.name}'s audit log, newest first, page by page (keyset), for its reviewers and national operators; each read is itself audited.`,
    })
    async auditLog(@Args(() => AuditLogArgs) args: AuditLogArgs, @Ctx() ctx: RegionalContext) {
      const first = checkFirst(args.first, MAX_AUDIT_PAGE);
      const subject = args.subject ?? '';
      const actor = args.actor ?? '';
      // Longer than the columns: nothing could match, and the read could not be recorded.
      if (subject.length > 64 || actor.length > 100) {
        throw badInput([problem('INVALID_FILTER', '查询条件过长', subject.length > 64 ? 'subject' : 'actor')]);
      }
      const kind = auditKind(def.policy.code, subject, actor);
      const key = decodeCursor(kind, args.after, ['string', 'string']);
      const rows = await auditPage(
        ctx.ds,
        { subject, actor },
        first + 1,
        key ? { at: String(key[0]), id: String(key[1]) } : null,
      );
      await ctx.audit.record('READ_AUDIT_LOG', subject || '*');
      return toConnection(rows, first, (row) => encodeCursor(kind, [row.at, row.id]), toAuditEntry);
    }
  }
  return AuditLogResolver;
}
