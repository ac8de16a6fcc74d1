import {
  Args,
  ArgsType,
  Ctx,
  Directive,
  Field,
  ID,
  Int,
  InterfaceType,
  Mutation,
  ObjectType,
  Resolver,
} from 'type-graphql';

import { messageText } from '../domain/message-texts';
import type { RegionDefinition } from '../domain/region-definition';
import { idempotent } from '../persistence/idempotency';
import { type InboxRow, markRead, messagePage, unreadCount } from '../persistence/inbox';
import { assertPersonRecordAccess, deniedError, isStaffRead } from '../platform/auth/access';
import { nowInChina } from '../platform/clock';
import { badInput, problem } from '../platform/errors';
import { checkFirst, decodeCursor, encodeCursor, toConnection } from '../platform/pagination/cursor';
import type { RegionalContext } from './context';
import { Problem } from './mutation.types';
import { PageInfo } from './page-info';
import { RegionBase } from './region.interface';
import { DateTimeScalar } from './scalars';

// The message centre in a region: RegionalMessages, one person's messages here, one page of them.
// The national subgraph hands out a reference per region (Person.notifications) whose key carries
// the page asked for (`window`: "<first>:<after>"), so the arguments reach the region that serves
// the page; a region that is down leaves its entry null with its error at its own path.

export const MAX_MESSAGES_PAGE = 100;
const cursorKind = (regionCode: string) => `messages:${regionCode}`;

@ObjectType()
@Directive('@shareable')
export class Message {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: 'SMS or APP.' }) channel!: string;
  @Field(() => String, { description: 'Stable template code, e.g. APPLICATION_APPROVED.' }) template!: string;
  @Field(() => String, { description: 'The message as the person received it (Chinese).' }) text!: string;
  @Field(() => String, { nullable: true, description: 'The acceptance number it is about.' })
  acceptanceNumber!: string | null;
  @Field(() => DateTimeScalar) createdAt!: string;
  @Field(() => Boolean) read!: boolean;
  @Field(() => DateTimeScalar, { nullable: true }) readAt!: string | null;
}

@ObjectType()
@Directive('@shareable')
export class MessageEdge {
  @Field(() => String) cursor!: string;
  @Field(() => Message) node!: Message;
}

@ObjectType()
@Directive('@shareable')
export class MarkMessagesReadPayload {
  @Field(() => Int, { description: 'Messages newly marked read (already read ones and others’ ids count 0).' })
  marked!: number;
  @Field(() => [Problem], { description: 'Non-empty means nothing was stored.' }) problems!: Problem[];
}

function toMessage(row: InboxRow, regionName: string): Message {
  let payload: Record<string, string> = {};
  try {
    payload = JSON.parse(row.payload) as Record<string, string>;
  } catch {
    payload = {};
  }
  return {
    id: row.id,
    channel: row.channel,
    template: row.template,
    text: messageText(row.template, { regionName, ...payload }),
    acceptanceNumber: row.applicationId,
    createdAt: row.createdAt,
    read: row.readAt !== null,
    readAt: row.readAt,
  };
}

/** "<first>:<after>" → the page asked; INVALID_PAGE / INVALID_CURSOR problems otherwise. */
export function parseWindow(
  window: string,
  regionCode: string,
): { first: number; after: { createdAt: string; id: string } | null } {
  const cut = window.indexOf(':');
  const first = checkFirst(cut > 0 ? Number(window.slice(0, cut)) : Number.NaN, MAX_MESSAGES_PAGE);
  const key = decodeCursor(cursorKind(regionCode), window.slice(cut + 1), ['string', 'string']);
  return { first, after: key ? { createdAt: String(key[0]), id: String(key[1]) } : null };
}

@InterfaceType('RegionalMessages', { autoRegisterImplementations: false })
export abstract class MessagesBase {
  @Field(() => ID) personId: string;
  @Field(() => ID) regionCode: string;
  @Field(() => String, { description: 'The page asked for, as the national subgraph passed it.' }) window: string;

  constructor(personId: string, regionCode: string, window: string) {
    this.personId = personId;
    this.regionCode = regionCode;
    this.window = window;
  }

  protected abstract regionOf(code: string): RegionBase;
  protected abstract regionName(): string;

  @Field(() => RegionBase)
  region(): RegionBase {
    return this.regionOf(this.regionCode);
  }

  private page?: Promise<{ edges: MessageEdge[]; pageInfo: PageInfo }>;

  private load(ctx: RegionalContext) {
    this.page ??= (async () => {
      const { first, after } = parseWindow(this.window, this.regionCode);
      const rows = await messagePage(ctx.ds, this.regionCode, this.personId, first, after);
      if (rows.length > 0 && isStaffRead(ctx.identity)) await ctx.audit.record('READ_PERSON_RECORD', this.personId);
      return toConnection(
        rows,
        first,
        (row) => encodeCursor(cursorKind(this.regionCode), [row.createdAt, row.id]),
        (row) => toMessage(row, this.regionName()),
      );
    })();
    return this.page;
  }

  @Field(() => [MessageEdge], { description: 'Newest first.' })
  async edges(@Ctx() ctx: RegionalContext): Promise<MessageEdge[]> {
    return (await this.load(ctx)).edges;
  }

  @Field(() => PageInfo)
  async pageInfo(@Ctx() ctx: RegionalContext): Promise<PageInfo> {
    return (await this.load(ctx)).pageInfo;
  }

  @Field(() => Int, { description: 'Unread messages in this region (all pages).' })
  unreadCount(@Ctx() ctx: RegionalContext): Promise<number> {
    return unreadCount(ctx.ds, this.regionCode, this.personId);
  }
}

@ArgsType()
class MarkReadArgs {
  @Field(() => [ID], { description: 'Message ids (at most 100); ids that are not yours are ignored.' })
  ids!: string[];
  @Field(() => String, { nullable: true, description: 'The same key twice returns the first result.' })
  idempotencyKey?: string | null;
}

/** The region's message types, mutation and reference resolver. */
export function createMessageTypes(def: RegionDefinition, regionOf: (code: string) => RegionBase) {
  const { prefix } = def;

  @ObjectType(`${prefix}Messages`, {
    implements: MessagesBase,
    description: `A person's messages from ${def.policy.name}, one page.`,
  })
  @Directive('@key(fields: "personId regionCode window")')
  class ConcreteMessages extends MessagesBase {
    protected regionOf(code: string): RegionBase {
      return regionOf(code);
    }
    protected regionName(): string {
      return def.policy.name;
    }
  }

  @Resolver()
  class MessagesMutationResolver {
    @Mutation(() => MarkMessagesReadPayload, {
      name: `mark${prefix}MessagesRead`,
      description: `Marks the caller's own messages from ${def.policy.name} read.`,
    })
    async markRead(
      @Args(() => MarkReadArgs) args: MarkReadArgs,
      @Ctx() ctx: RegionalContext,
    ): Promise<MarkMessagesReadPayload> {
      // APPLICANT in the access table; the rows are the caller's own by the WHERE clause.
      if (ctx.identity.role !== 'APPLICANT') throw deniedError('FORBIDDEN');
      const personId = ctx.identity.personId;
      const ids = [...new Set(args.ids)];
      if (ids.length === 0 || ids.length > 100 || ids.some((id) => id.length > 40)) {
        return { marked: 0, problems: [problem('INVALID_MESSAGE_IDS', '请选择1到100条消息', 'ids')] };
      }
      const ds = ctx.ds;
      const outcome = await idempotent<{ marked: number }>(ds, {
        scope: `${def.policy.code}|${personId}`,
        key: args.idempotencyKey,
        operation: `mark${prefix}MessagesRead`,
        args: { ids: [...ids].sort() },
        load: async (resultId) => ({ marked: Number(resultId) || 0 }),
        now: () => nowInChina(ctx.clock()),
        run: async (remember) =>
          ds.transaction(async (tx) => {
            const marked = await markRead(tx, def.policy.code, personId, ids, ctx.clock());
            await remember(tx, String(marked));
            return { value: { marked }, problems: [] };
          }),
      });
      return { marked: outcome.value?.marked ?? 0, problems: outcome.problems };
    }
  }

  const referenceResolvers = {
    [`${prefix}Messages`]: {
      __resolveReference(ref: { personId: string; regionCode: string; window: string }, ctx: RegionalContext) {
        if (ref.regionCode !== def.policy.code) return null;
        assertPersonRecordAccess(ctx.identity, ref.personId, ref.regionCode);
        if (typeof ref.window !== 'string') throw badInput([problem('INVALID_PAGE', '分页参数无效', 'first')]);
        parseWindow(ref.window, def.policy.code); // a bad page or cursor: the problem, here
        return new ConcreteMessages(ref.personId, ref.regionCode, ref.window);
      },
    },
  };
  return { ConcreteMessages, resolvers: [MessagesMutationResolver] as const, referenceResolvers };
}
