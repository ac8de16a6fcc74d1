// What a client is told about a failure nobody anticipated: whether the region's database is
// unavailable (temporary, worth retrying) or the subgraph has a bug (not worth retrying).

export type FaultCode = 'REGION_DATABASE_UNAVAILABLE' | 'SUBGRAPH_ERROR';

export interface Fault {
  code: FaultCode;
  retryable: boolean;
  message: string;
}

// mysql2 / Node socket codes meaning the database cannot be reached, is going away, or is busy.
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'PROTOCOL_ENQUEUE_AFTER_QUIT',
  'ER_NO_SUCH_TABLE',
  'ER_BAD_DB_ERROR',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_LOCK_DEADLOCK',
  'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS',
  'ER_SERVER_SHUTDOWN',
  'ER_QUERY_INTERRUPTED',
  'ER_STATEMENT_TIMEOUT',
  'ER_QUERY_TIMEOUT',
  'ER_OPTION_PREVENTS_STATEMENT',
  'ER_ACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_CONNECTION_KILLED',
  'ER_NET_READ_INTERRUPTED',
  'ER_NET_WRITE_INTERRUPTED',
  'ER_NET_PACKETS_OUT_OF_ORDER',
  'ER_CANT_LOCK',
  'ER_LOCK_TABLE_FULL',
  'ER_OUT_OF_RESOURCES',
  'ER_DISK_FULL',
  'ER_RECORD_FILE_FULL',
  'ER_READ_ONLY_MODE',
]);

// Messages of drivers and TypeORM that carry no code: sql.js (SQLite), pool and connection state.
const UNAVAILABLE_MESSAGES = [
  /no such table/i,
  /database is locked/i,
  /disk I\/O error/i,
  /database disk image is malformed/i,
  /Pool is closed/i,
  /connection is in closed state/i,
  /Connection lost/i,
  /Connection .* (is not established|was not found)/i,
  /Cannot execute operation on .* connection because connection is not yet established/i,
  /Query runner already released/i,
  /Driver not Connected/i,
  /Timeout acquiring a connection/i,
  /connect ETIMEDOUT/i,
];

const UNAVAILABLE_NAMES = new Set([
  'ConnectionNotFoundError',
  'CannotExecuteNotConnectedError',
  'QueryRunnerAlreadyReleasedError',
]);

const causes = (error: unknown): object[] => {
  // GraphQLError → originalError → TypeORM QueryFailedError → driverError (mysql2) → cause.
  const chain: object[] = [];
  let at: unknown = error;
  while (typeof at === 'object' && at !== null && chain.length < 8 && !chain.includes(at)) {
    chain.push(at);
    const e = at as { originalError?: unknown; driverError?: unknown; cause?: unknown };
    at = e.originalError ?? e.driverError ?? e.cause;
  }
  return chain;
};

/** True when the error (or what it wraps) says the database is unreachable, timed out, busy or missing a table. */
export function isDatabaseUnavailable(error: unknown): boolean {
  return causes(error).some((e) => {
    const { code, name, message, fatal } = e as { code?: unknown; name?: unknown; message?: unknown; fatal?: unknown };
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
    // mysql2 marks errors after which the connection is unusable as fatal.
    if (fatal === true) return true;
    if (typeof name === 'string' && UNAVAILABLE_NAMES.has(name)) return true;
    return typeof message === 'string' && UNAVAILABLE_MESSAGES.some((re) => re.test(message));
  });
}

export function classifyFault(error: unknown): Fault {
  return isDatabaseUnavailable(error)
    ? { code: 'REGION_DATABASE_UNAVAILABLE', retryable: true, message: '本地区业务数据库暂时不可用，请稍后重试' }
    : { code: 'SUBGRAPH_ERROR', retryable: false, message: '服务内部错误，请稍后重试' };
}

/** The innermost cause in one short line for logs: its name, code and message, never the statement. */
export function describeCause(error: unknown): string {
  const chain = causes(error);
  const inner = chain.at(-1) as { name?: unknown; code?: unknown; message?: unknown } | undefined;
  if (!inner) return String(error);
  const parts = [inner.name, inner.code, inner.message].filter((x) => typeof x === 'string' && x.length > 0);
  return parts.join(': ').slice(0, 500);
}
