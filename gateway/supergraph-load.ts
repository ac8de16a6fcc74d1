import { Supergraph } from '@apollo/federation-internals';
import type { ApolloGateway } from '@apollo/gateway';
import {
  type GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  isUnionType,
  parse,
} from 'graphql';

// How the gateway holds the supergraph, and why it does not keep Apollo Gateway's default.
//
// Apollo Gateway turns the supergraph SDL into five representations: federation-internals'
// Supergraph (its schema, then the extracted subgraphs the planner builds on), a graphql-js copy of
// the supergraph (used while executing plans), the API schema, and a graphql-js copy of the API
// schema (what Apollo Server validates and executes against). By default it parses the SDL with
// source locations (a token list for every character of a 5 MB document at 400 regions) and keeps
// every AST node in federation-internals' schemas and both graphql-js copies. None is read after start: locations only decorate
// composition errors, which `npm run compose` reports before a supergraph is ever committed, and
// graphql-js reads directives from AST nodes only while building a schema. At 400 regions (the
// provincial layout of `npm run bench:scale`) they are about half the gateway's heap; see README
// "Scale". So the gateway parses without locations and drops AST nodes once each graphql-js schema
// is built. Validation of the supergraph keeps Apollo's rule (on unless NODE_ENV=production:
// compose and CI have validated the committed supergraph).
//
// Apollo Gateway has no option for this: the loader replaces its private
// `createSchemaFromSupergraphSdl` on the instance. gateway/supergraph-load.test.ts fails if a new
// Apollo version stops calling it (the schemas would carry AST nodes again).

interface GatewayInternals {
  createSchemaFromSupergraphSdl(supergraphSdl: string): { supergraph: Supergraph; supergraphSdl: string };
  createServices(services: ReturnType<Supergraph['subgraphsMetadata']>): void;
  config: { validateSupergraph?: boolean };
}

type Element = {
  astNode?: unknown;
  extensionASTNodes?: readonly unknown[];
  name?: string;
  description?: string | null;
};

/**
 * Drops every AST node of a built graphql-js schema (execution and validation never read them),
 * and gives each name and description one flat, shared copy: graphql-js slices them out of the
 * printed schema, which they would otherwise keep alive, and a description repeated for every
 * region's type is then stored once.
 */
export function withoutAstNodes(schema: GraphQLSchema): GraphQLSchema {
  const strings = new Map<string, string>();
  const intern = (value: string) => {
    let copy = strings.get(value);
    if (copy === undefined) {
      copy = Buffer.from(value, 'utf8').toString('utf8');
      strings.set(copy, copy);
    }
    return copy;
  };
  const drop = (element: Element) => {
    element.astNode = undefined;
    if (element.extensionASTNodes) element.extensionASTNodes = [];
    if (typeof element.name === 'string') element.name = intern(element.name);
    if (typeof element.description === 'string') element.description = intern(element.description);
  };
  drop(schema as Element);
  for (const type of Object.values(schema.getTypeMap())) {
    drop(type);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        drop(field);
        for (const arg of field.args) drop(arg);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) drop(field);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) drop(value);
    } else if (!isUnionType(type) && !isScalarType(type)) {
      throw new Error(`unexpected GraphQL type kind for ${String(type)}`);
    }
  }
  for (const directive of schema.getDirectives()) {
    drop(directive);
    for (const arg of directive.args) drop(arg);
  }
  return schema;
}

type FederationSchema = Supergraph['schema'];
interface WithSourceAst {
  sourceAST?: unknown;
  appliedDirectives?: readonly { sourceAST?: unknown }[];
  extensions?: () => ReadonlySet<{ sourceAST?: unknown }> | readonly { sourceAST?: unknown }[];
}

/**
 * Lets go of the parsed document: federation-internals keeps each element's AST node only to
 * point errors at the source, and a built, validated supergraph raises none.
 */
function forgetSourceAst(schema: FederationSchema): void {
  for (const element of schema.allSchemaElement() as Iterable<WithSourceAst>) {
    element.sourceAST = undefined;
    for (const directive of element.appliedDirectives ?? []) directive.sourceAST = undefined;
    if (typeof element.extensions === 'function')
      for (const extension of element.extensions()) extension.sourceAST = undefined;
  }
}

/** The supergraph as the gateway keeps it: no source locations, graphql-js copies without AST nodes. */
export function buildLeanSupergraph(supergraphSdl: string, validateSupergraph: boolean): Supergraph {
  const supergraph = Supergraph.build(parse(supergraphSdl, { noLocation: true }), { validateSupergraph });
  for (const schema of [supergraph.schema, supergraph.apiSchema()]) {
    forgetSourceAst(schema);
    const toGraphQLJSSchema = schema.toGraphQLJSSchema.bind(schema);
    schema.toGraphQLJSSchema = (config) => withoutAstNodes(toGraphQLJSSchema(config));
  }
  return supergraph;
}

/** Makes `gateway` load (and reload) its supergraph with buildLeanSupergraph. Call before load(). */
export function loadSupergraphLean(gateway: ApolloGateway): ApolloGateway {
  const internals = gateway as unknown as GatewayInternals;
  if (typeof internals.createSchemaFromSupergraphSdl !== 'function' || typeof internals.createServices !== 'function') {
    throw new Error('@apollo/gateway changed: createSchemaFromSupergraphSdl/createServices not found');
  }
  internals.createSchemaFromSupergraphSdl = function (this: GatewayInternals, supergraphSdl) {
    const validate = this.config.validateSupergraph ?? process.env.NODE_ENV !== 'production';
    const supergraph = buildLeanSupergraph(supergraphSdl, validate);
    this.createServices(supergraph.subgraphsMetadata());
    return { supergraph, supergraphSdl };
  };
  return gateway;
}
