import type { RegionPolicy } from './policy';
import type { RegionRules } from './rules';

// What the kit needs to serve one region: read from its data file (region-file.ts).

export interface RegionDefinition {
  /** GraphQL type prefix: `Panzhihua` → PanzhihuaRegion, panzhihuaRegion. */
  prefix: string;
  /** The subgraph's name in schema/registry.json, e.g. `sichuan-panzhihua`. */
  subgraph: string;
  /** Default port (npm start, the registry): its subgraph's, its host's when it has one. */
  port: number;
  /** The provincial subgraph serving it with other regions (region file `host:`); absent = its own. */
  host?: string;
  policy: RegionPolicy;
  /** Its own application rules (the `rules` of its region file). */
  rules: RegionRules;
}
