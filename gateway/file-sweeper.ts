import { addDays, todayInChina } from '../subgraphs/kit/calendar';
import { contentSha256, type FileStore } from '../subgraphs/kit/files';

// Uploads nobody uses expire. References live in the regional databases, which the gateway cannot
// read; so each region writes a marker `refs/<sha256>/<region>/<personId>` into the store when an
// application of that person uses the file (subgraphs/kit/file-owners.ts), and the sweeper works
// on the store alone:
//   - an ownership manifest older than the retention whose person has no marker for the file goes;
//   - content older than the retention with no manifest left and no marker at all goes;
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
  /** Content kept (referenced, owned and fresh, or too young). */
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

  const remainingOwners = new Map<string, number>();
  for (const [sha256, list] of owners) {
    let remaining = list.length;
    for (const owner of list) {
      if (owner.lastModified.getTime() >= cutoff || referencedBy.get(sha256)?.has(owner.personId)) continue;
      await store.deleteRecord(owner.key);
      result.deletedOwnerships++;
      remaining--;
    }
    remainingOwners.set(sha256, remaining);
  }

  for (const file of content) {
    const keep =
      file.lastModified.getTime() >= cutoff ||
      (remainingOwners.get(file.sha256) ?? 0) > 0 ||
      referencedBy.has(file.sha256) ||
      // Looked at again right before deleting: an upload or a reference may have landed meanwhile.
      (await store.list(`owners/${file.sha256}/`)).length > 0 ||
      (await store.list(`refs/${file.sha256}/`)).length > 0;
    if (keep) {
      result.keptFiles++;
      continue;
    }
    await store.remove(file.sha256);
    result.deletedFiles.push(file.sha256);
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
