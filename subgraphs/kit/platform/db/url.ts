// Database URLs in messages and logs, without loading a database driver (the gateway imports this).

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
}

/** Whether a mysql:// URL carries a password (`mysql://user:password@…`). */
export function urlHasPassword(url: string): boolean {
  return /^mysql:\/\/[^:/@]*:[^@]*@/.test(url);
}

/**
 * A mysql:// URL with `password` as its password (percent-encoded, as the driver decodes it); any
 * other URL, or no password, unchanged. DATABASE_PASSWORD_FILE: the URL names the user, the file
 * (a mounted secret) holds its password.
 */
export function withPassword(url: string, password: string | undefined): string;
export function withPassword(url: string | undefined, password: string | undefined): string | undefined;
export function withPassword(url: string | undefined, password: string | undefined): string | undefined {
  if (url === undefined || password === undefined || !url.startsWith('mysql://')) return url;
  const at = url.indexOf('@');
  if (at < 0) throw new Error(`a database URL with DATABASE_PASSWORD_FILE must name its user: "${redactUrl(url)}"`);
  const user = url.slice('mysql://'.length, at).split(':')[0]!;
  return `mysql://${user}:${encodeURIComponent(password)}${url.slice(at)}`;
}
