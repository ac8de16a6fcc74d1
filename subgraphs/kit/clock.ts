/** The current instant as ISO 8601 with China's offset, "2026-03-11T09:30:00+08:00". */
export function nowInChina(now: Date = new Date()): string {
  const shifted = new Date(now.getTime() + 8 * 3600_000);
  return `${shifted.toISOString().slice(0, 19)}+08:00`;
}
