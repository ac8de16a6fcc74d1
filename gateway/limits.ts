import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import type { RequestHandler } from 'express';
import { GraphQLError, type ValidationRule } from 'graphql';

// Abuse limits, enforced while validating — before the gateway plans or calls any subgraph.
// Rejections carry a stable extensions.code and a Chinese message.

export interface Limits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
  maxBatch: number;
  maxBodyBytes: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxDepth: 12,
  maxAliases: 15,
  maxCost: 5000,
  maxBatch: 5,
  maxBodyBytes: 256 * 1024,
};

function reject(code: string, message: string) {
  return [
    (ctx: { reportError(e: GraphQLError): void } | null, error: GraphQLError) =>
      ctx?.reportError(
        new GraphQLError(`${message}（${error.message}）`, {
          extensions: { code: 'GRAPHQL_VALIDATION_FAILED', reason: code },
        }),
      ),
  ];
}

export function limitRules(limits: Limits): ValidationRule[] {
  // propagateOnRejection: false — our onReject reports the error with a stable code instead.
  return [
    maxDepthRule({
      n: limits.maxDepth,
      propagateOnRejection: false,
      onReject: reject('QUERY_TOO_DEEP', '查询嵌套层级过深'),
    }),
    maxAliasesRule({
      n: limits.maxAliases,
      propagateOnRejection: false,
      onReject: reject('TOO_MANY_ALIASES', '查询使用的别名过多'),
    }),
    costLimitRule({
      maxCost: limits.maxCost,
      propagateOnRejection: false,
      onReject: reject('QUERY_TOO_COSTLY', '查询过于复杂'),
    }),
  ] as unknown as ValidationRule[];
}

/**
 * Batched requests (a JSON array of operations) above maxBatch are refused before any of them
 * is parsed, with a GraphQL-shaped error.
 */
export function batchLimit(maxBatch: number): RequestHandler {
  return (req, res, next) => {
    if (Array.isArray(req.body) && req.body.length > maxBatch) {
      res.status(400).json({
        errors: [
          {
            message: `一次请求中的操作过多：${req.body.length} 个，最多 ${maxBatch} 个`,
            extensions: { code: 'BATCH_TOO_LARGE', limit: maxBatch },
          },
        ],
      });
      return;
    }
    next();
  };
}
