import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { parseDocument, visit } from 'yaml';

import { loadRegionFile } from '../../subgraphs/kit/domain/region-file';
import { regionTemplate } from './region-template';

describe('the new-region template', () => {
  const text = regionTemplate({
    code: '440100',
    name: '广州市',
    province: '广东省',
    prefix: 'Guangzhou',
    subgraph: 'guangdong-guangzhou',
    port: 4004,
  });

  it('writes every figure where it stands: no anchor, no alias', () => {
    const doc = parseDocument(text);
    expect(doc.errors).toEqual([]);
    const shared: string[] = [];
    visit(doc, {
      Alias: (_, node) => void shared.push(`*${node.source}`),
      Node: (_, node) => void (node.anchor ? shared.push(`&${node.anchor}`) : undefined),
    });
    expect(shared).toEqual([]);
    const data = doc.toJS() as {
      reviewDeadline: { workingDays: unknown };
      channels: { reviewWorkingDays: unknown }[];
    };
    expect(data.channels[0]!.reviewWorkingDays).toEqual(data.reviewDeadline.workingDays);
  });

  it('passes the loader the subgraph uses, every figure with its source', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'mente-template-')), 'guangdong-guangzhou.yaml');
    writeFileSync(file, text);
    expect(loadRegionFile(file).rules.source).toContain('illustrative');
  });
});
