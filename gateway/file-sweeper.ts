import { todayInChina } from '../subgraphs/kit/platform/clock';
import { addDays } from '../subgraphs/kit/platform/dates';
import { type FileStore, isSha256 } from '../subgraphs/kit/platform/files';

// Uploads nobody uses expire. References live in the regional databases, which the gateway cannot
// read; so each region writes a marker `refs/<sha256>/<region>/<personId>` into the store when an
// application of that person uses the file (subgraphs/kit/platform/file-owners.ts), and the sweeper works
// on the store alone:
//   - an ownership manifest older than the retention whose person has no marker for the file goes;
//   - content older than the retention goes with its last such manifest, if no marker exists;
//   - content without any manifest (uploaded before files had owners) is never deleted, and
//     content is never listed: a sweep reads the three record namespaces only;
//   - quota records of days before yesterday go.
// A region refuses uploads within 15 minutes of their expiry unless already referenced, so a
// submission that passed its check has written its marker before the sweeper can consider it.
// It runs in the gateway on a timer (UPLOAD_SWEEP_INTERVAL_MINUTES) and as `npm run files:sweep`;
// sweeps are idempotent, so several gateways may sweep at once.

export const DEFAULT_RETENTION_HOURS = 72;

export interface SweepOptions {
  retentionHours: number;
  now?: Date;
}

export interface SweepResult {
  /** Content removed (sha256s). */
  deletedFiles: string[];
  deletedOwnerships: number;
  deletedUsageRecords: number;
  /** Ownership records kept (fresh, or the person's applications use the file). */
  keptOwnerships: number;
}

export async function sweepFiles(store: FileStore, options: SweepOptions): Promise<SweepResult> {
  const now = options.now ?? new Date();
  const cutoff = now.getTime() - options.retentionHours * 3600 * 1000;
  const oldestUsageDay = addDays(todayInChina(now), -1);
  const result: SweepResult = { deletedFiles: [], deletedOwnerships: 0, deletedUsageRecords: 0, keptOwnerships: 0 };

  // Only the record namespaces are listed, never the content: content goes with its last owner.
  const [ownerRecords, refRecords, usageRecords] = await Promise.all([
    store.list('owners/'),
    store.list('refs/'),
    store.list('usage/'),
  ]);
  for (const o of usageRecords) {
    if ((o.key.split('/')[1] ?? '') < oldestUsageDay) {
      await store.deleteRecord(o.key);
      result.deletedUsageRecords++;
    }
  }
  const referencedBy = new Map<string, Set<string>>();
  for (const r of refRecords) {
    const [, sha256, , personId] = r.key.split('/');
    if (!sha256 || !personId) continue;
    referencedBy.set(sha256, (referencedBy.get(sha256) ?? new Set<string>()).add(personId));
  }
  const owners = new Map<string, { key: string; personId: string; lastModified: Date }[]>();
  for (const o of ownerRecords) {
    const [, sha256, name] = o.key.split('/');
    if (!sha256 || !name?.endsWith('.json')) continue;
    const list = owners.get(sha256) ?? [];
    list.push({ key: o.key, personId: name.slice(0, -'.json'.length), lastModified: o.lastModified });
    owners.set(sha256, list);
  }

  for (const [sha256, list] of owners) {
    const expired = list.filter((o) => o.lastModified.getTime() < cutoff && !referencedBy.get(sha256)?.has(o.personId));
    result.keptOwnerships += list.length - expired.length;
    if (expired.length === 0) continue;
    let goes = expired;
    if (expired.length === list.length && !referencedBy.has(sha256) && isSha256(sha256)) {
      // The last owner goes. Looked at again first: an upload or a reference may have landed meanwhile.
      const [nowOwners, nowRefs] = await Promise.all([store.list(`owners/${sha256}/`), store.list(`refs/${sha256}/`)]);
      const expiredKeys = new Set(expired.map((o) => o.key));
      const untouched = nowOwners.every((o) => expiredKeys.has(o.key) && o.lastModified.getTime() < cutoff);
      const nowUsing = new Set(nowRefs.map((r) => r.key.split('/')[3]));
      goes = expired.filter((o) => !nowUsing.has(o.personId));
      result.keptOwnerships += expired.length - goes.length;
      // Content is written before its manifest, so an old manifest means old content.
      if (untouched && nowRefs.length === 0 && (await store.has(sha256))) {
        // Content first: should the sweep stop here, the manifests left over expire next time.
        await store.remove(sha256);
        result.deletedFiles.push(sha256);
      }
    }
    for (const owner of goes) {
      await store.deleteRecord(owner.key);
      result.deletedOwnerships++;
    }
  }
  return result;
}

/** Sweeps every `intervalMs` (not at once: starting a gateway deletes nothing). */
export function startFileSweeper(
  store: FileStore,
  options: { retentionHours: number; intervalMs: number; log?: (line: string, error?: unknown) => void },
): { stop(): void } {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepFiles(store, { retentionHours: options.retentionHours })
      .then((r) => {
        if (r.deletedFiles.length || r.deletedOwnerships || r.deletedUsageRecords) {
          options.log?.(
            `file sweep: ${r.deletedFiles.length} files, ${r.deletedOwnerships} ownership records, ${r.deletedUsageRecords} usage records deleted; ${r.keptOwnerships} ownership records kept`,
          );
        }
      })
      .catch((e) => options.log?.('file sweep failed', e))
      .finally(() => {
        running = false;
      });
  }, options.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
