import type { DataSource, EntityManager } from 'typeorm';

import { formatAcceptanceNumber } from '../domain/acceptance-number';
import { boundAcceptanceNumber, boundPersonalText } from '../domain/input-bounds';
import type { RegionDefinition } from '../domain/region-definition';
import { type FeedbackCategory, FeedbackEntity, type FeedbackRow } from '../persistence/db/appeal.entities';
import { ApplicationEntity } from '../persistence/db/record.entities';
import { enqueueHistoryReport } from '../persistence/history-report';
import { idempotent, type Outcome } from '../persistence/idempotency';
import { keepInInbox } from '../persistence/inbox';
import { enqueueNotifications, type NotificationMessage } from '../persistence/outbox';
import { retryOnDeadlock } from '../persistence/sql-errors';
import { describeActor, type Identity } from '../platform/auth/identity';
import { nowInChina, todayInChina } from '../platform/clock';
import { type Problem, problem } from '../platform/errors';
import { characterLength, stripUnsafeCharacters } from '../platform/text';
import { requireApplicant, requireReviewer } from './authorization';
import { deadlineOf, transactionBefore } from './deadline';
import { realNameProblems } from './real-name';
import { ensureSequenceRow, nextSequence } from './sequences';
import type { WriteOptions } from './workflow';

// 意见反馈: an applicant sends feedback to a region and gets a tracking number (反馈编号); a
// reviewer of the region replies; the feedback and its reply are part of the person's records
// there, and the reply is notified through the outbox. The hotline stays the region's (Region.hotline).
// Sending it needs real-name verification, as applying does (./real-name.ts), and reports the
// person's history here to the national index in the same transaction (FEEDBACK): records and
// the message centre ask only the regions that index knows, so a person with nothing else here
// would otherwise never see the feedback nor its reply.
//
// Tracking number: "F" + the acceptance-number scheme (../domain/acceptance-number.ts) on the feedback's
// own daily counter: F + region code (6) + date YYYYMMDD (8) + sequence (6) + check character,
// e.g. F5104002026021200000 3X without the space. The region code routes it like an acceptance
// number; the leading F keeps the two apart.

export const MAX_FEEDBACK_SUBJECT = 50;
export const MAX_FEEDBACK_TEXT = 1000;
export const MAX_FEEDBACK_REPLY = 1000;

export interface FeedbackRequest {
  category: FeedbackCategory;
  subject: string;
  text: string;
  acceptanceNumber?: string | null;
  idempotencyKey?: string | null;
}

const fail = <T>(...problems: Problem[]): Outcome<T> => ({ value: null, problems });

/** The counter key of a region's feedback numbers in acceptance_sequence (beside the region's own). */
const counterOf = (regionCode: string) => `F${regionCode}`;

export function formatFeedbackNumber(regionCode: string, day: string, sequence: number): string {
  return `F${formatAcceptanceNumber(regionCode, day, sequence)}`;
}

/** boundPersonalText (cleaned, bounded, numbers masked as in review reasons), its problems added to `problems`. */
function boundText(
  raw: string | null | undefined,
  field: string,
  max: number,
  problems: Problem[],
  missing: Problem,
): string {
  const bounded = boundPersonalText(raw, field, max, missing);
  problems.push(...bounded.problems);
  return bounded.value;
}

export class FeedbackWorkflow {
  constructor(
    private readonly ds: DataSource,
    private readonly def: RegionDefinition,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private get code(): string {
    return this.def.policy.code;
  }

  private scopeOf(identity: Identity): string {
    if (identity.role === 'APPLICANT') return `${this.code}|${identity.personId}`;
    return `${this.code}|${identity.role.toLowerCase()}:${'subject' in identity ? identity.subject : '-'}`;
  }

  private write<T>(opts: WriteOptions, work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return transactionBefore(this.ds, opts.deadline ?? deadlineOf(undefined), work);
  }

  private byId = (id: string) => this.ds.getRepository(FeedbackEntity).findOneBy({ id });

  async send(identity: Identity, raw: FeedbackRequest, opts: WriteOptions = {}): Promise<Outcome<FeedbackRow>> {
    requireApplicant(identity);
    const problems: Problem[] = [...realNameProblems(identity, this.def)];
    // Stored in the person's records and shown to the region's reviewers: numbers masked like a reply's.
    const subject = boundText(
      raw.subject,
      'subject',
      MAX_FEEDBACK_SUBJECT,
      problems,
      problem('FEEDBACK_SUBJECT_REQUIRED', '请填写反馈主题', 'subject'),
    );
    const text = boundText(
      raw.text,
      'text',
      MAX_FEEDBACK_TEXT,
      problems,
      problem('FEEDBACK_TEXT_REQUIRED', '请填写反馈内容', 'text'),
    );
    let acceptanceNumber: string | null = null;
    if (raw.acceptanceNumber !== null && raw.acceptanceNumber !== undefined) {
      const bounded = boundAcceptanceNumber(raw.acceptanceNumber);
      problems.push(...bounded.problems);
      acceptanceNumber = bounded.value.toUpperCase() || null;
    }
    if (problems.length > 0) return fail(...problems);
    const input = { category: raw.category, subject, text, acceptanceNumber };
    return idempotent(this.ds, {
      scope: this.scopeOf(identity),
      key: raw.idempotencyKey ?? opts.idempotencyKey,
      operation: `send${this.def.prefix}Feedback`,
      args: { input },
      load: this.byId,
      now: () => nowInChina(this.clock()),
      run: (remember) => this.sendOnce(identity, input, opts, remember),
    });
  }

  private async sendOnce(
    identity: Identity,
    input: { category: FeedbackCategory; subject: string; text: string; acceptanceNumber: string | null },
    opts: WriteOptions,
    remember: (tx: EntityManager, resultId: string) => Promise<void>,
  ): Promise<Outcome<FeedbackRow>> {
    const personId = requireApplicant(identity);
    if (input.acceptanceNumber) {
      const row = await this.ds.getRepository(ApplicationEntity).findOneBy({ id: input.acceptanceNumber });
      if (!row || row.personId !== personId || row.regionCode !== this.code) {
        return fail(problem('APPLICATION_NOT_FOUND', '未找到该申请，请核对受理号', 'acceptanceNumber'));
      }
    }
    const today = todayInChina(this.clock());
    await ensureSequenceRow(this.ds, counterOf(this.code), today);
    const feedback = await retryOnDeadlock(() =>
      this.write(opts, async (tx) => {
        const id = formatFeedbackNumber(this.code, today, await nextSequence(tx, counterOf(this.code), today));
        const row: FeedbackRow = {
          id,
          regionCode: this.code,
          personId,
          category: input.category,
          subject: input.subject,
          text: input.text,
          applicationId: input.acceptanceNumber,
          status: 'OPEN',
          submittedAt: nowInChina(this.clock()),
          reply: null,
          repliedBy: null,
          repliedAt: null,
          version: 1,
        };
        await tx.getRepository(FeedbackEntity).insert(row);
        // The national index learns this region holds the person's history (records, messages).
        await enqueueHistoryReport(tx, this.code, { personId, kind: 'FEEDBACK', applicationId: null }, this.clock());
        await remember(tx, id);
        return row;
      }),
    );
    return { value: feedback, problems: [] };
  }

  async reply(
    identity: Identity,
    rawNumber: string,
    rawReply: string,
    opts: WriteOptions = {},
  ): Promise<Outcome<FeedbackRow>> {
    requireReviewer(identity, this.def);
    const problems: Problem[] = [];
    const trackingNumber = stripUnsafeCharacters(rawNumber ?? '').toUpperCase();
    if (characterLength(trackingNumber) > 32) {
      problems.push(problem('INPUT_TOO_LONG', '填写内容过长：最多32个字符', 'trackingNumber'));
    }
    // The reply is sent to the person: identity and phone numbers in it are masked, as in review reasons.
    const reply = boundText(
      rawReply,
      'reply',
      MAX_FEEDBACK_REPLY,
      problems,
      problem('FEEDBACK_REPLY_REQUIRED', '请填写答复内容', 'reply'),
    );
    if (problems.length > 0) return fail(...problems);
    return idempotent(this.ds, {
      scope: this.scopeOf(identity),
      key: opts.idempotencyKey,
      operation: `reply${this.def.prefix}Feedback`,
      args: { trackingNumber, reply },
      load: this.byId,
      now: () => nowInChina(this.clock()),
      run: (remember) => this.replyOnce(identity, trackingNumber, reply, opts, remember),
    });
  }

  private async replyOnce(
    identity: Identity,
    trackingNumber: string,
    reply: string,
    opts: WriteOptions,
    remember: (tx: EntityManager, resultId: string) => Promise<void>,
  ): Promise<Outcome<FeedbackRow>> {
    const row = await this.byId(trackingNumber);
    if (!row || row.regionCode !== this.code) {
      return fail(problem('FEEDBACK_NOT_FOUND', '未找到该反馈，请核对反馈编号', 'trackingNumber'));
    }
    if (row.status !== 'OPEN') {
      return fail(problem('FEEDBACK_ALREADY_REPLIED', '该反馈已答复，不能重复答复', 'trackingNumber'));
    }
    const at = nowInChina(this.clock());
    return this.write(opts, async (tx) => {
      const changes = { status: 'REPLIED' as const, reply, repliedBy: describeActor(identity), repliedAt: at };
      const result = await tx
        .createQueryBuilder()
        .update(FeedbackEntity)
        .set({ ...changes, version: row.version + 1 })
        .where('id = :id AND version = :version', { id: row.id, version: row.version })
        .execute();
      if (result.affected !== 1) {
        return fail<FeedbackRow>(problem('FEEDBACK_ALREADY_REPLIED', '该反馈已答复，不能重复答复', 'trackingNumber'));
      }
      const replied: NotificationMessage[] = (['SMS', 'APP'] as const).map((channel) => ({
        template: 'FEEDBACK_REPLIED',
        personId: row.personId,
        applicationId: row.applicationId,
        channel,
        payload: { trackingNumber: row.id, regionName: this.def.policy.name },
      }));
      await enqueueNotifications(tx, this.code, replied, this.clock());
      await keepInInbox(tx, this.code, replied, this.clock()); // the message centre (我的消息)
      await remember(tx, row.id);
      return { value: { ...row, ...changes, version: row.version + 1 }, problems: [] };
    });
  }
}
