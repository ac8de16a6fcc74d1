import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';

// With introspection off, graphql-js's validation and coercion messages would still map the
// schema: "Did you mean …" names fields, arguments, enum values and types, and many messages name
// the parent type, a required argument or an input field the caller never wrote. This plugin
// rewrites those messages so they still say what was wrong, but quote only names the caller sent
// (in the query text or the variables) and the built-in scalars. Used on the gateway and on every
// subgraph whenever introspection is off.

/** Errors raised before execution (validation, variable coercion): no path, one of these codes. */
const REQUEST_ERROR_CODES = new Set(['GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']);

const BUILT_IN_NAMES = new Set(['String', 'Int', 'Float', 'Boolean', 'ID']);

const HIDDEN = '"<hidden>"';

const IDENTIFIER = /[_A-Za-z][_0-9A-Za-z]*/g;

/** Quoted text that reads like a schema name: a type reference, Type.field, @directive or $variable. */
const NAME_LIKE = /^[[\]!@$]*[_A-Za-z][_0-9A-Za-z]*(\.[_A-Za-z][_0-9A-Za-z]*)?[[\]!]*$/;

// Messages of graphql-js 16 that name more than the caller wrote, reworded to what was wrong.
const REWRITES: [RegExp, string][] = [
  [/^Cannot query field ("[^"]*") on type "[^"]*"\./, 'Cannot query field $1 on this type.'],
  [/^Unknown argument ("[^"]*") on field "(?:[^".]*\.)?([^"]*)"\./, 'Unknown argument $1 on field "$2".'],
  [
    /^Field ("[^"]*") argument "[^"]*" of type "[^"]*" is required, but it was not provided\./,
    'Field $1 is missing a required argument.',
  ],
  [
    /^Directive ("[^"]*") argument "[^"]*" of type "[^"]*" is required, but it was not provided\./,
    'Directive $1 is missing a required argument.',
  ],
  [/Field "[^"]*" of required type "[^"]*" was not provided\./, 'A required input field was not provided.'],
  [/Value ("[^"]*") does not exist in "[^"]*" enum\./, 'Value $1 is not one of the allowed values.'],
  [/Enum "[^"]*" cannot represent non-enum value: (.*)\./, 'An enum value is expected here, found $1.'],
  [/Field ("[^"]*") is not defined by type "[^"]*"\./, 'Field $1 is not defined by this input type.'],
  [
    /^(Variable "[^"]*" of type "[^"]*") used in position expecting type "[^"]*"\./,
    '$1 is used where another type is expected.',
  ],
  [
    /^Field ("[^"]*") must not have a selection since type "[^"]*" has no subfields\./,
    'Field $1 must not have a selection.',
  ],
  [
    /^Field ("[^"]*") of type "[^"]*" must have a selection of subfields\./,
    'Field $1 must have a selection of subfields.',
  ],
  [
    /^(Fragment(?: "[^"]*")? cannot be spread here) as objects of type "[^"]*" can never be of type "[^"]*"\./,
    '$1: the types can never match.',
  ],
];

/** Every identifier the caller wrote: query text, operation name, variable names and values. */
export function callerNames(query: string | undefined, variables: unknown, operationName?: string | null): Set<string> {
  const text = `${query ?? ''} ${operationName ?? ''} ${variables === undefined ? '' : JSON.stringify(variables)}`;
  return new Set(text.match(IDENTIFIER) ?? []);
}

/** The message without suggestions and without any schema name the caller did not write. */
export function hideSchemaNames(message: string, known: ReadonlySet<string>): string {
  let out = message.replace(/\s*Did you mean[^?]*\?/g, '');
  for (const [pattern, replacement] of REWRITES) out = out.replace(pattern, replacement);
  return out.replace(/"([^"]*)"/g, (quoted, inner: string) => {
    if (!NAME_LIKE.test(inner)) return quoted; // a value the caller sent, e.g. "2026-13-01"
    const parts = inner.match(IDENTIFIER) ?? [];
    return parts.every((part) => known.has(part) || BUILT_IN_NAMES.has(part)) ? quoted : HIDDEN;
  });
}

function isRequestError(error: GraphQLFormattedError): boolean {
  return !error.path && REQUEST_ERROR_CODES.has(String(error.extensions?.code));
}

/** Rewrites validation and variable errors of every response; install it when introspection is off. */
export function hideSchemaHintsPlugin<C extends BaseContext>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart({ request }) {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          if (!result.errors?.some(isRequestError)) return;
          const known = callerNames(request.query, request.variables, request.operationName);
          result.errors = result.errors.map((error) =>
            isRequestError(error) ? { ...error, message: hideSchemaNames(error.message, known) } : error,
          );
        },
      };
    },
  };
}
