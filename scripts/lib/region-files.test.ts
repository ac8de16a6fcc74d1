import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { REGIONS_DIR } from '../../subgraphs/kit/domain/region-file';
import { regionFilesReport } from './region-files';

// What `npm run compose` and `npm run compose -- --check` (so `npm run check`) refuse before anything else.

const pzh = readFileSync(path.join(REGIONS_DIR, 'sichuan-panzhihua.yaml'), 'utf8');
const yunfu = readFileSync(path.join(REGIONS_DIR, 'guangdong-yunfu.yaml'), 'utf8');

/** A regions directory holding both region files and `copy` as sichuan-copy.yaml. */
function regionsWith(copy: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mente-compose-regions-'));
  writeFileSync(path.join(dir, 'sichuan-panzhihua.yaml'), pzh);
  writeFileSync(path.join(dir, 'guangdong-yunfu.yaml'), yunfu);
  writeFileSync(
    path.join(dir, 'sichuan-copy.yaml'),
    copy.replace('subgraph: sichuan-panzhihua', 'subgraph: sichuan-copy'),
  );
  if (existsSync(path.join(REGIONS_DIR, 'hooks')))
    symlinkSync(path.join(REGIONS_DIR, 'hooks'), path.join(dir, 'hooks'));
  return dir;
}

describe('the region files compose checks', () => {
  it('passes the committed region files', () => {
    expect(regionFilesReport()).toBeNull();
  });

  it('refuses a region code, a type prefix or a port used by two files, naming both, in English and Chinese', () => {
    const code = regionFilesReport(
      regionsWith(pzh.replace('prefix: Panzhihua', 'prefix: Copy').replace('port: 4002', 'port: 4009')),
    );
    expect(code).toMatch(
      /sichuan-panzhihua\.yaml \/region\/code \[unique-region\] region code "510400" is also used by \S*sichuan-copy\.yaml/,
    );
    expect(code).toMatch(/地区编码“510400”与 \S*sichuan-copy\.yaml 重复/);

    const prefix = regionFilesReport(
      regionsWith(pzh.replace("code: '510400'", "code: '510500'").replace('port: 4002', 'port: 4009')),
    );
    expect(prefix).toMatch(
      /sichuan-panzhihua\.yaml \/region\/prefix \[unique-region\] region prefix "Panzhihua" is also used by \S*sichuan-copy\.yaml/,
    );
    expect(prefix).toMatch(/类型前缀“Panzhihua”与 \S*sichuan-copy\.yaml 重复/);

    const port = regionFilesReport(
      regionsWith(pzh.replace("code: '510400'", "code: '510500'").replace('prefix: Panzhihua', 'prefix: Copy')),
    );
    expect(port).toMatch(
      /sichuan-panzhihua\.yaml \/region\/port \[region-hosting\] region\.port 4002 is also the port of subgraph sichuan-copy \(sichuan-copy\.yaml\)/,
    );
    expect(port).toMatch(/已被子图 sichuan-copy \(sichuan-copy\.yaml\) 使用/);
  });
});
