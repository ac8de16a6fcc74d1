import type { GraphQLFormattedError } from 'graphql';

// Apollo Server's CSRF prevention refuses simple requests (a GET without a preflight header,
// urql's default for queries) in English only; the gateway answers in Chinese as well, with the
// same code, so a front-end team sees the fix (docs/front-end.md).

const APOLLO_CSRF_MESSAGE = 'This operation has been blocked as a potential Cross-Site Request Forgery';

export const CSRF_MESSAGE =
  '请求被拒绝：可能是跨站请求伪造（CSRF）。请以 POST 发送 content-type: application/json，' +
  '或在 GET 请求中加上非空的 apollo-require-preflight 请求头（或 x-apollo-operation-name）。';

/** The CSRF refusal with a Chinese message; code BAD_REQUEST kept, Apollo's English in `detail`. */
export function explainCsrfRefusal(formatted: GraphQLFormattedError): GraphQLFormattedError {
  if (formatted.extensions?.code !== 'BAD_REQUEST' || !formatted.message.startsWith(APOLLO_CSRF_MESSAGE)) {
    return formatted;
  }
  return {
    ...formatted,
    message: CSRF_MESSAGE,
    extensions: { ...formatted.extensions, reason: 'CSRF_PREVENTION', detail: formatted.message.trim() },
  };
}
