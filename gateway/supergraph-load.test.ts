import { readFileSync } from 'node:fs';
import path from 'node:path';

import { operationFromDocument } from '@apollo/federation-internals';
import { ApolloGateway } from '@apollo/gateway';
import { type GraphQLSchema, isObjectType, parse } from 'graphql';

import { buildLeanSupergraph, loadSupergraphLean } from './supergraph-load';

const SDL = readFileSync(path.resolve(__dirname, '../schema/supergraph.graphql'), 'utf8');

/** Elements of a graphql-js schema that still hold an AST node. */
function withAst(schema: GraphQLSchema): string[] {
  const found: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.astNode) found.push(type.name);
    if (isObjectType(type))
      for (const field of Object.values(type.getFields())) if (field.astNode) found.push(`${type.name}.${field.name}`);
  }
  return found;
}

interface Internals {
  supergraphSchema: GraphQLSchema;
  schema: GraphQLSchema;
  apiSchema: { allSchemaElement(): Iterable<{ sourceAST?: unknown }> };
  queryPlanner: { buildQueryPlan(operation: unknown): { node?: unknown } };
}

describe('the gateway keeps the supergraph lean', () => {
  it('Apollo Gateway builds its schemas through the lean loader: no locations, no AST nodes, plans unchanged', async () => {
    const plain = new ApolloGateway({ supergraphSdl: SDL });
    const lean = loadSupergraphLean(new ApolloGateway({ supergraphSdl: SDL }));
    await plain.load();
    await lean.load();
    const a = plain as unknown as Internals;
    const b = lean as unknown as Internals;
    // The default keeps AST nodes (so this test would notice a new Apollo version that stops calling the hook).
    expect(withAst(a.schema).length).toBeGreaterThan(100);
    expect(withAst(b.schema)).toEqual([]);
    expect(withAst(b.supergraphSchema)).toEqual([]);
    expect([...b.apiSchema.allSchemaElement()].filter((e) => e.sourceAST !== undefined)).toEqual([]);
    // Same API, same plans.
    const { printSchema } = await import('graphql');
    expect(printSchema(b.schema)).toBe(printSchema(a.schema));
    const query = parse(
      '{ region(code: "510400") { name diseases { code name } } person(id: "P000001") { records { regionCode } } }',
    );
    const planOf = (g: Internals) =>
      JSON.stringify(
        g.queryPlanner.buildQueryPlan(operationFromDocument(buildLeanSupergraph(SDL, false).schema, query)),
      );
    expect(planOf(b)).toBe(planOf(a));
    await plain.stop();
    await lean.stop();
  });

  it('an invalid supergraph is still refused at load, outside production', () => {
    const broken = SDL.replace('type Query', 'type Query @join__type(graph: NO_SUCH_GRAPH)');
    expect(() => buildLeanSupergraph(broken, true)).toThrow(/Invalid value for "@join__type\(graph:\)"/);
    // In production (NODE_ENV=production) Apollo's rule skips this check: compose and CI made the file.
    expect(() => buildLeanSupergraph(broken, false)).not.toThrow();
  });
});
