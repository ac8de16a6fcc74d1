import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import type { RequestHandler } from 'express';
import { GraphQLError, type ValidationRule } from 'graphql';

// Abuse limits, enforced while validating — on the gateway before it plans or calls any subgraph,
// and on every subgraph again, so a direct call to a subgraph meets the same limits. Rejections
// carry a stable extensions.code and a Chinese message.

export interface Limits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
  maxBatch: number;
  /** The gateway's body limit; subgraphs keep 1 MiB, since entity fetches carry many representations. */
  maxBodyBytes: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxDepth: 12,
  maxAliases: 15,
  maxCost: 5000,
  maxBatch: 5,
  maxBodyBytes: 256 * 1024,
};

/** LIMIT_MAX_DEPTH, LIMIT_MAX_ALIASES, LIMIT_MAX_COST, LIMIT_MAX_BATCH, LIMIT_MAX_BODY_BYTES. */
/** The part of config.ts's EnvChecker this needs (structural, so limits.ts does not import config.ts). */
interface IntReader {
  positiveInt(name: string, fallback: number): number;
}

export function readLimits(check: IntReader): Limits {
  return {
    maxDepth: check.positiveInt('LIMIT_MAX_DEPTH', DEFAULT_LIMITS.maxDepth),
    maxAliases: check.positiveInt('LIMIT_MAX_ALIASES', DEFAULT_LIMITS.maxAliases),
    maxCost: check.positiveInt('LIMIT_MAX_COST', DEFAULT_LIMITS.maxCost),
    maxBatch: check.positiveInt('LIMIT_MAX_BATCH', DEFAULT_LIMITS.maxBatch),
    maxBodyBytes: check.positiveInt('LIMIT_MAX_BODY_BYTES', DEFAULT_LIMITS.maxBodyBytes),
  };
}

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
  // flattenFragments: fragments add no data depth, and the query planner wraps every entity fetch
  // in `_entities { ... on T { … } }`, so counting fragments would refuse the gateway's own fetches.
  return [
    maxDepthRule({
      n: limits.maxDepth,
      flattenFragments: true,
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
      flattenFragments: true,
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
