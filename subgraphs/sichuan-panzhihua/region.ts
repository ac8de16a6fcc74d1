import type { RegionDefinition } from '../kit/regional-subgraph';
import { panzhihuaPolicy } from './policy';
import { panzhihuaRules } from './rules';

// Sichuan · Panzhihua (四川 · 攀枝花): what makes this region different lives in this folder.
export const panzhihua: RegionDefinition = {
  prefix: 'Panzhihua',
  subgraph: 'sichuan-panzhihua',
  policy: panzhihuaPolicy,
  rules: panzhihuaRules,
};
export default panzhihua;
