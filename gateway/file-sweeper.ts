import { addDays, todayInChina } from '../subgraphs/kit/calendar';
import { contentSha256, type FileStore } from '../subgraphs/kit/files';

// Uploads nobody uses expire. References live in the regional databases, which the gateway cannot
// read; so each region writes a marker `refs/<sha256>/<region>/<personId>` into the store when an
// application of that person uses the file (subgraphs/kit/file-owners.ts), and the sweeper works
// on the store alone:
//   - an ownership manifest older than the retention whose person has no marker for the file goes;
//   - content older than the retention goes with its last such manifest, if no marker exists;
//   - content without any manifest (uploaded before files had owners) is never deleted;
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
  /** Content kept (referenced, owned and fresh, too young, or without any owner record). */
  keptFiles: number;
}

export async function sweepFiles(store: FileStore, options: SweepOptions): Promise<SweepResult> {
  const now = options.now ?? new Date();
  const cutoff = now.getTime() - options.retentionHours * 3600 * 1000;
  const oldestUsageDay = addDays(todayInChina(now), -1);
  const result: SweepResult = { deletedFiles: [], deletedOwnerships: 0, deletedUsageRecords: 0, keptFiles: 0 };

  const everything = await store.list('');
  const referencedBy = new Map<string, Set<string>>();
  const owners = new Map<string, { key: string; personId: string; lastModified: Date }[]>();
  const content: { sha256: string; lastModified: Date }[] = [];
  for (const o of everything) {
    const parts = o.key.split('/');
    if (parts[0] === 'refs' && parts.length === 4) {
      const set = referencedBy.get(parts[1]!) ?? new Set<string>();
      set.add(parts[3]!);
      referencedBy.set(parts[1]!, set);
    } else if (parts[0] === 'owners' && parts.length === 3 && parts[2]!.endsWith('.json')) {
      const list = owners.get(parts[1]!) ?? [];
      list.push({ key: o.key, personId: parts[2]!.slice(0, -'.json'.length), lastModified: o.lastModified });
      owners.set(parts[1]!, list);
    } else if (parts[0] === 'usage' && parts.length >= 2 && parts[1]! < oldestUsageDay) {
      await store.deleteRecord(o.key);
      result.deletedUsageRecords++;
    } else {
      const sha256 = contentSha256(o.key);
      if (sha256) content.push({ sha256, lastModified: o.lastModified });
    }
  }

  const contentAge = new Map(content.map((c) => [c.sha256, c.lastModified.getTime()]));
  for (const [sha256, list] of owners) {
    const expired = list.filter((o) => o.lastModified.getTime() < cutoff && !referencedBy.get(sha256)?.has(o.personId));
    if (expired.length === 0) continue;
    let goes = expired;
    if (expired.length === list.length && !referencedBy.has(sha256)) {
      // The last owner goes. Looked at again first: an upload or a reference may have landed meanwhile.
      const [nowOwners, nowRefs] = await Promise.all([store.list(`owners/${sha256}/`), store.list(`refs/${sha256}/`)]);
      const expiredKeys = new Set(expired.map((o) => o.key));
      const untouched = nowOwners.every((o) => expiredKeys.has(o.key) && o.lastModified.getTime() < cutoff);
      const nowUsing = new Set(nowRefs.map((r) => r.key.split('/')[3]));
      goes = expired.filter((o) => !nowUsing.has(o.personId));
      if (untouched && nowRefs.length === 0 && (contentAge.get(sha256) ?? Infinity) < cutoff) {
        // Content first: should the sweep stop here, the manifests left over expire next time.
        await store.remove(sha256);
        result.deletedFiles.push(sha256);
        contentAge.delete(sha256);
      }
    }
    for (const owner of goes) {
      await store.deleteRecord(owner.key);
      result.deletedOwnerships++;
    }
  }
  // Content nobody owns (uploaded before files had owners) may be used by stored applications
  // without a reference marker: it is kept, never guessed at.
  result.keptFiles = contentAge.size;
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
            `file sweep: ${r.deletedFiles.length} files, ${r.deletedOwnerships} ownership records, ${r.deletedUsageRecords} usage records deleted; ${r.keptFiles} files kept`,
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
