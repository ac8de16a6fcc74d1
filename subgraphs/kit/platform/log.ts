import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

import { redactPii } from './pii';

// JSON logs, one object a line, for the gateway and every subgraph. Every string that reaches a
// line — the message, any field, an error's message and stack, child bindings — passes through
// redactPii first, so an identity or phone number is logged masked or not at all.
//
// Level: LOG_LEVEL (trace, debug, info, warn, error, fatal, silent); default info, and silent
// under jest (NODE_ENV=test) unless LOG_LEVEL says otherwise.

export type { Logger } from 'pino';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export function defaultLogLevel(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LOG_LEVEL) return env.LOG_LEVEL;
  return env.NODE_ENV === 'test' ? 'silent' : 'info';
}

/** Strings masked; numbers that read as a phone or identity number become masked strings. */
function redactValue(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactPii(value);
  if (typeof value === 'number' || typeof value === 'bigint') {
    const text = String(value);
    const masked = redactPii(text);
    return masked === text ? value : masked;
  }
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value) || depth > 8) return '[…]';
  seen.add(value);
  if (value instanceof Error) return redactValue(pino.stdSerializers.err(value), depth + 1, seen);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1, seen));
  if (Buffer.isBuffer(value) || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = redactValue(v, depth + 1, seen);
  return out;
}

/** A deep copy of a log object with every string passed through redactPii. */
function redactLogObject<T>(value: T): T {
  return redactValue(value, 0, new WeakSet()) as T;
}

export interface CreateLoggerOptions {
  /** Default: defaultLogLevel() (LOG_LEVEL, or silent under test). */
  level?: string;
  /** Where lines go; default stdout. Tests pass a stream to read the lines. */
  destination?: DestinationStream;
  /** Fields on every line. */
  base?: Record<string, unknown>;
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const config: LoggerOptions = {
    level: options.level ?? defaultLogLevel(),
    base: { pid: process.pid, ...options.base },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: (e: unknown) => redactLogObject(e instanceof Error ? pino.stdSerializers.err(e) : e) },
    formatters: {
      level: (label) => ({ level: label }),
      bindings: (bindings) => redactLogObject(bindings),
      // `err` is left to its serializer (above), which redacts after serializing.
      log: (object) => {
        const { err, ...rest } = object;
        const redacted = redactLogObject(rest);
        return err === undefined ? redacted : { ...redacted, err };
      },
    },
    hooks: {
      logMethod(args, method) {
        const first: unknown = args[0];
        // logger.error(err) takes its message from the error: mask it here.
        if (first instanceof Error && args.length === 1) {
          return method.apply(this, [first, redactPii(first.message)] as never);
        }
        const masked = args.map((arg, i) =>
          typeof arg === 'string' || (i > 0 && typeof arg !== 'object') ? redactValue(arg, 0, new WeakSet()) : arg,
        );
        return method.apply(this, masked as never);
      },
    },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}

/** The process's root logger (stdout). */
export const logger: Logger = createLogger();

/** Lines for one request: `service` and `requestId` on each of them. */
export function requestLogger(service: string, requestId: string, base: Logger = logger): Logger {
  // A child's bindings skip formatters.bindings: redact them here.
  return base.child(redactLogObject({ service, requestId }));
}
