import { type DataSource, type EntityManager, EntitySchema, In, IsNull } from 'typeorm';

import { nowInChina } from '../platform/clock';
import { str } from './db/columns';
import { timeOrderedId } from './ordered-id';
import type { NotificationMessage } from './outbox';

// The message centre (我的消息): every SMS and app message a region sends about a person's
// applications, kept for the person to read. The outbox (notification_outbox) is the delivery
// queue and forgets SENT rows after its retention; this table is what the person sees, written
// in the same transaction as the outbox rows, read newest first by keyset on
// (person_id, created_at, id), marked read by the person only.

export interface InboxRow {
  id: string;
  regionCode: string;
  personId: string;
  applicationId: string | null;
  channel: string;
  template: string;
  /** JSON object of template variables (as in the outbox: never a phone or identity number). */
  payload: string;
  createdAt: string;
  readAt: string | null;
}

export const InboxEntity = new EntitySchema<InboxRow>({
  name: 'PersonMessage',
  tableName: 'person_message',
  columns: {
    id: { type: String, length: 40, primary: true },
    regionCode: str('region_code', 12),
    personId: str('person_id', 40),
    applicationId: str('application_id', 32, true),
    channel: str('channel', 8),
    template: str('template', 64),
    payload: str('payload', 2000),
    createdAt: str('created_at', 32),
    readAt: str('read_at', 32, true),
  },
});

/** In the caller's transaction (the one that enqueues the same messages in the outbox). */
export async function keepInInbox(
  manager: EntityManager,
  regionCode: string,
  messages: NotificationMessage[],
  now: Date = new Date(),
): Promise<void> {
  if (messages.length === 0) return;
  const at = nowInChina(now);
  await manager.insert(
    InboxEntity,
    messages.map((m) => ({
      id: timeOrderedId(),
      regionCode,
      personId: m.personId,
      applicationId: m.applicationId,
      channel: m.channel,
      template: m.template,
      payload: JSON.stringify(m.payload),
      createdAt: at,
      readAt: null,
    })),
  );
}

/**
 * One page of a person's messages in this region, newest first, after the (createdAt, id) of the
 * last one seen: `first + 1` rows, one statement on ix_message_person whatever the depth.
 */
export async function messagePage(
  ds: DataSource,
  regionCode: string,
  personId: string,
  first: number,
  after: { createdAt: string; id: string } | null,
): Promise<InboxRow[]> {
  const q = ds
    .getRepository(InboxEntity)
    .createQueryBuilder('m')
    .where('m.person_id = :personId AND m.region_code = :regionCode', { personId, regionCode });
  if (after) {
    // (created_at, id) < (:at, :id), written portably for MySQL, MariaDB and SQLite.
    q.andWhere('(m.created_at < :at OR (m.created_at = :at AND m.id < :id))', { at: after.createdAt, id: after.id });
  }
  return q
    .orderBy('m.created_at', 'DESC')
    .addOrderBy('m.id', 'DESC')
    .limit(first + 1)
    .getMany();
}

export async function unreadCount(ds: DataSource, regionCode: string, personId: string): Promise<number> {
  return ds.getRepository(InboxEntity).countBy({ regionCode, personId, readAt: IsNull() });
}

/** Marks the person's own messages read (others' ids are ignored); the number newly marked. */
export async function markRead(
  manager: EntityManager,
  regionCode: string,
  personId: string,
  ids: string[],
  now: Date,
): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await manager
    .getRepository(InboxEntity)
    .update({ id: In(ids), personId, regionCode, readAt: IsNull() }, { readAt: nowInChina(now) });
  return result.affected ?? 0;
}
