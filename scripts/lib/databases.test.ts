import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { databaseUrlFor } from './databases';

describe('databaseUrlFor', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mente-db-url-'));
    writeFileSync(path.join(dir, 'password'), 'p@ss/word#1\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("takes DATABASE_URL_<SUBGRAPH>, with DATABASE_PASSWORD_FILE's password when the URL names only its user", () => {
    const env = {
      DATABASE_URL_SICHUAN_PANZHIHUA: 'mysql://mente_sichuan_panzhihua@db:3306/mente_sichuan_panzhihua',
      DATABASE_PASSWORD_FILE: path.join(dir, 'password'),
    };
    const url = databaseUrlFor('sichuan-panzhihua', env)!;
    expect(url).toBe('mysql://mente_sichuan_panzhihua:p%40ss%2Fword%231@db:3306/mente_sichuan_panzhihua');
    expect(decodeURIComponent(new URL(url).password)).toBe('p@ss/word#1');
    // A URL with its own password keeps it; without the file the URL is taken as it is.
    const own = 'mysql://root:secret@db:3306/mente_sichuan_panzhihua';
    expect(databaseUrlFor('sichuan-panzhihua', { ...env, DATABASE_URL_SICHUAN_PANZHIHUA: own })).toBe(own);
    expect(
      databaseUrlFor('sichuan-panzhihua', { DATABASE_URL_SICHUAN_PANZHIHUA: env.DATABASE_URL_SICHUAN_PANZHIHUA }),
    ).toBe(env.DATABASE_URL_SICHUAN_PANZHIHUA);
  });

  it('derives a database per subgraph from MYSQL_URL, or none (the embedded file)', () => {
    expect(databaseUrlFor('guangdong-yunfu', { MYSQL_URL: 'mysql://root@127.0.0.1:3306' }, 'x_')).toBe(
      'mysql://root@127.0.0.1:3306/x_guangdong_yunfu',
    );
    expect(databaseUrlFor('guangdong-yunfu', {})).toBeUndefined();
  });
});
