/** A unique-constraint violation, on MySQL/MariaDB or SQLite. */
export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; errno?: number; message?: string };
  return err?.code === 'ER_DUP_ENTRY' || err?.errno === 1062 || /UNIQUE constraint failed/i.test(err?.message ?? '');
}

/** MySQL/MariaDB may pick a transaction as a deadlock victim; running it again is the documented remedy. */
export async function retryOnDeadlock<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await work();
    } catch (e) {
      const errno = (e as { errno?: number }).errno;
      if (i >= attempts || (errno !== 1213 && errno !== 1205)) throw e;
    }
  }
}
