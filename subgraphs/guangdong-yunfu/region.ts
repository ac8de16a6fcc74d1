import type { RegionDefinition } from '../kit/regional-subgraph';
import { yunfuPolicy } from './policy';
import { yunfuRules } from './rules';

// Guangdong · Yunfu (广东 · 云浮): what makes this region different lives in this folder.
export const yunfu: RegionDefinition = {
  prefix: 'Yunfu',
  subgraph: 'guangdong-yunfu',
  policy: yunfuPolicy,
  rules: yunfuRules,
};
export default yunfu;
