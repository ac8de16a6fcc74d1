import { SUBGRAPHS } from '../schema/registry';

/** Where each subgraph is reached: SUBGRAPH_URL_<NAME> overrides the registry's default. */
export function subgraphUrlsFromEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return Object.fromEntries(SUBGRAPHS.map((s) => [s.name, env[s.urlEnv] ?? s.defaultUrl]));
}
