import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

import { isValidIsoDate } from '../domain/calendar';

// Dates are calendar days in China time, carried as 'YYYY-MM-DD' strings end to end, so no
// time zone can ever shift them. Money is a decimal yuan string; resolvers convert to fen.

function invalid(code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

/** The days a date argument may name: wider than any application, narrow enough for every calendar sum. */
const EARLIEST_DATE = '1900-01-01';
const LATEST_DATE = '2100-12-31';

/** A value as it may appear in a message: JSON, at most 40 characters of it. */
function shown(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 40 ? `${json.slice(0, 40)}…` : json;
}

/** An input date: a real calendar day between 1900-01-01 and 2100-12-31, else INVALID_DATE. */
function parseDate(value: unknown): string {
  if (typeof value !== 'string' || !isValidIsoDate(value)) {
    throw invalid('INVALID_DATE', `日期格式不正确：${shown(value)}。请填写真实存在的日期，格式如 "2026-03-11"`);
  }
  if (value < EARLIEST_DATE || value > LATEST_DATE) {
    throw invalid('INVALID_DATE', `日期超出范围：${value}。日期须在${EARLIEST_DATE}至${LATEST_DATE}之间`);
  }
  return value;
}

/** An output date: any real calendar day (a due date may fall after 2100-12-31). */
function serializeDate(value: unknown): string {
  if (typeof value !== 'string' || !isValidIsoDate(value)) {
    throw invalid('INVALID_DATE', `日期格式不正确：${shown(value)}`);
  }
  return value;
}

export const DateScalar = new GraphQLScalarType<string, string>({
  name: 'Date',
  description: 'A calendar day in China time, "2026-03-11"; as input, between 1900-01-01 and 2100-12-31.',
  serialize: serializeDate,
  parseValue: parseDate,
  parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : undefined),
});

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/;

function parseDateTime(value: unknown): string {
  if (typeof value !== 'string' || !DATE_TIME.test(value) || Number.isNaN(Date.parse(value))) {
    throw invalid('INVALID_DATE_TIME', `时间格式不正确：${shown(value)}。格式如 "2026-03-11T09:30:00+08:00"`);
  }
  return value;
}

export const DateTimeScalar = new GraphQLScalarType<string, string>({
  name: 'DateTime',
  description: 'ISO 8601 with offset, "2026-03-11T09:30:00+08:00".',
  serialize: (value) => parseDateTime(value),
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : undefined),
});

/**
 * Money crosses the API as a string and is validated where it is used (parseMoney), so that a
 * malformed amount comes back as a precise error with a stable code rather than a coercion failure.
 */
export const MoneyScalar = new GraphQLScalarType<string, string>({
  name: 'Money',
  description: 'Yuan as a decimal string with two places, "7820.00"; stored as integer fen.',
  serialize: (value) => String(value),
  parseValue: (value) => {
    if (typeof value !== 'string') throw invalid('INVALID_MONEY', '金额应以字符串填写，如 "7820.00"');
    return value;
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw invalid('INVALID_MONEY', '金额应以字符串填写，如 "7820.00"');
    return ast.value;
  },
});
