import { randomBytes } from 'node:crypto';

import { todayInChina } from '../subgraphs/kit/platform/clock';
import { addDays } from '../subgraphs/kit/platform/dates';
import type { FileStore } from '../subgraphs/kit/platform/files';

// Per-person upload quota: files and bytes per day (China time). Usage is kept in the file store
// itself, one small record per upload under `usage/<day>/<personId>/<ms>-<random>-<bytes>`, so it
// survives gateway restarts, is shared by every gateway replica, needs no Redis, and is counted
// by listing one short folder (the size is in the key: no object is read).
//
// An upload reserves first and counts afterwards: it writes its record, lists the day, and stays
// only if everything listed (its own record included) is within the quota; otherwise it deletes
// its record and is refused. Of any two racing uploads the one that lists last sees both records,
// so the quota is never exceeded, even across gateway replicas (S3 lists what was written); racing
// replicas may refuse an upload that would just have fit. Within one gateway the reservations of
// one person are serialised, so there nobody is refused wrongly.

export interface UploadQuota {
  filesPerDay: number;
  bytesPerDay: number;
}

export const DEFAULT_UPLOAD_QUOTA: UploadQuota = { filesPerDay: 50, bytesPerDay: 200 * 1024 * 1024 };

const usagePrefix = (day: string, personId: string) => `usage/${day}/${personId}/`;

interface Entry {
  key: string;
  size: number;
}

function parse(key: string): Entry | null {
  const m = /\/\d{13}-[0-9a-f]{12}-(\d+)$/.exec(key);
  return m ? { key, size: Number(m[1]) } : null;
}

/** Seconds until the quota day (China time) ends, at least 1. */
export function secondsUntilNextDay(now: Date): number {
  const next = Date.parse(`${addDays(todayInChina(now), 1)}T00:00:00+08:00`);
  return Math.max(1, Math.ceil((next - now.getTime()) / 1000));
}

export type Reservation = { ok: true; release(): Promise<void> } | { ok: false; retryAfterSeconds: number };

export class UploadQuotaLedger {
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: FileStore,
    readonly quota: UploadQuota = DEFAULT_UPLOAD_QUOTA,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Today's uploads of `personId`: count and bytes. */
  async usage(personId: string): Promise<{ files: number; bytes: number }> {
    const entries = await this.entries(todayInChina(this.now()), personId);
    return { files: entries.length, bytes: entries.reduce((sum, e) => sum + e.size, 0) };
  }

  /** True when not even one more file fits today (checked before a body is read). */
  async exhausted(personId: string): Promise<boolean> {
    const { files, bytes } = await this.usage(personId);
    return files >= this.quota.filesPerDay || bytes >= this.quota.bytesPerDay;
  }

  /** Counts an upload of `size` bytes against today's quota, or refuses it. */
  reserve(personId: string, size: number): Promise<Reservation> {
    const previous = this.queues.get(personId) ?? Promise.resolve();
    const next = previous.then(
      () => this.reserveNow(personId, size),
      () => this.reserveNow(personId, size),
    );
    this.queues.set(personId, next);
    void next.finally(() => {
      if (this.queues.get(personId) === next) this.queues.delete(personId);
    });
    return next;
  }

  private async reserveNow(personId: string, size: number): Promise<Reservation> {
    const now = this.now();
    const day = todayInChina(now);
    const id = `${String(now.getTime()).padStart(13, '0')}-${randomBytes(6).toString('hex')}`;
    const key = `${usagePrefix(day, personId)}${id}-${size}`;
    await this.store.putRecord(key, Buffer.from(`${JSON.stringify({ personId, size, at: now.toISOString() })}\n`));
    const others = (await this.entries(day, personId)).filter((e) => e.key !== key);
    const files = others.length + 1;
    const bytes = others.reduce((sum, e) => sum + e.size, size);
    if (files > this.quota.filesPerDay || bytes > this.quota.bytesPerDay) {
      await this.store.deleteRecord(key);
      return { ok: false, retryAfterSeconds: secondsUntilNextDay(now) };
    }
    return { ok: true, release: () => this.store.deleteRecord(key) };
  }

  private async entries(day: string, personId: string): Promise<Entry[]> {
    const listed = await this.store.list(usagePrefix(day, personId));
    return listed.map((o) => parse(o.key)).filter((e): e is Entry => e !== null);
  }
}
