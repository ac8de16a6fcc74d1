import { GraphQLError } from 'graphql';

/** A problem a person can fix: stable code, Chinese message, the input field it concerns. */
export interface Problem {
  code: string;
  field: string | null;
  message: string;
}

/**
 * A query argument a person can fix. Carries every problem found at once in
 * extensions.problems; the top-level code stays BAD_USER_INPUT, the first problem's code is
 * repeated as extensions.reason for clients that read one.
 */
export function badInput(problems: Problem[]): GraphQLError {
  return new GraphQLError(problems.map((p) => p.message).join('；'), {
    extensions: { code: 'BAD_USER_INPUT', reason: problems[0]?.code, problems },
  });
}

export function problem(code: string, message: string, field: string | null = null): Problem {
  return { code, field, message };
}

/** A query argument longer than `max` characters: BAD_USER_INPUT (INPUT_TOO_LONG), never echoed back. */
export function assertArgumentLength(value: string | null | undefined, field: string, max: number): void {
  if (value != null && value.length > max) {
    throw badInput([problem('INPUT_TOO_LONG', `参数${field}过长：最多${max}个字符`, field)]);
  }
}
