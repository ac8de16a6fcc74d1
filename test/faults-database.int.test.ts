import { type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { databaseUrlFor, recreateMysqlDatabase } from '../scripts/lib/databases';
import { seedDemoRecords } from '../scripts/lib/demo';
import { DEMO_PEOPLE, demoRecordsFor } from '../scripts/seed-data/people';
import { addDays } from '../subgraphs/kit/domain/calendar';
import { loadRegion } from '../subgraphs/kit/domain/region-file';
import { RemoteCareFilingEntity } from '../subgraphs/kit/persistence/db/record.entities';
import { ApplicationEntity } from '../subgraphs/kit/persistence/db/record.entities';
import { IdempotencyEntity } from '../subgraphs/kit/persistence/idempotency';
import { OutboxEntity } from '../subgraphs/kit/persistence/outbox';
import type { Identity } from '../subgraphs/kit/platform/auth/identity';
import { signInternalToken } from '../subgraphs/kit/platform/auth/internal-token';
import { ensureDevelopmentKeys, loadPrivateKey, loadPublicKey } from '../subgraphs/kit/platform/auth/keys';
import { todayInChina } from '../subgraphs/kit/platform/clock';
import { createLogger } from '../subgraphs/kit/platform/log';
import { createRegionalDataSource, prepareRegionalDatabase } from '../subgraphs/kit/start-up/data-source';
import { type RegionalSubgraph, startRegionalSubgraph } from '../subgraphs/kit/start-up/start';
import { startNationalSubgraph } from '../subgraphs/national/server';
import { freePort } from './free-port';
import { type Stack, startStack, usingMysql } from './harness';
import { spawnRegionalSubgraph } from './regional-process';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

// A real database server that goes away and comes back (a TCP proxy in front of MariaDB: refuse,
// then forward again). sql.js runs inside the process and has no connection that could drop, so
// these cases need MYSQL_URL (as in CI).

const PREFIX = process.env.TEST_DB_PREFIX ?? 'mente_test_';
const def = loadRegion('sichuan-panzhihua');
const CODE = def.policy.code;

async function proxiedDatabase(name: string): Promise<{ proxy: TcpProxy; url: string }> {
  const url = new URL(databaseUrlFor(name, process.env, PREFIX)!);
  await recreateMysqlDatabase(url.toString());
  const proxy = await startTcpProxy(url.hostname, Number(url.port || 3306));
  url.hostname = proxy.host;
  url.port = String(proxy.port);
  return { proxy, url: url.toString() };
}

function capturingLogger() {
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
  return { logger, lines };
}

(usingMysql() ? describe : describe.skip)('start-up waits for the database', () => {
  it('regional and national subgraphs retry with backoff until the database appears', async () => {
    const regional = await proxiedDatabase('faults-startup-regional');
    const national = await proxiedDatabase('faults-startup-national');
    regional.proxy.refuse();
    national.proxy.refuse();
    const log = capturingLogger();
    const started = Date.now();
    const starting = Promise.all([
      startRegionalSubgraph(def, {
        databaseUrl: regional.url,
        prepare: true,
        notifications: false,
        logger: log.logger,
        connectTries: 10,
      }),
      startNationalSubgraph({
        databaseUrl: national.url,
        prepare: true,
        logger: log.logger,
        connectTries: 10,
        log: () => {},
      }),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    regional.proxy.restore();
    national.proxy.restore();
    const [r, n] = await starting;
    try {
      expect(Date.now() - started).toBeGreaterThanOrEqual(2500);
      const ready = await fetch(`${r.url}/health/ready`);
      expect(ready.status).toBe(200);
      expect((await fetch(`${n.url}/health/ready`)).status).toBe(200);
      const tries = log.lines.filter((l) => /database connect try \d+\/10 failed/.test(l));
      // 0.5 + 1 + 2 s of waits before the database appears at 2.5 s: at least 3 failed tries each, one line per try.
      expect(tries.filter((l) => l.includes(def.subgraph)).length).toBeGreaterThanOrEqual(3);
      expect(tries.filter((l) => l.includes('"national"')).length).toBeGreaterThanOrEqual(3);
    } finally {
      await r.close();
      await n.close();
      await regional.proxy.close();
      await national.proxy.close();
    }
  }, 30_000);

  it('gives up after the configured tries, saying so', async () => {
    const db = await proxiedDatabase('faults-startup-never');
    db.proxy.refuse();
    const log = capturingLogger();
    await expect(
      startRegionalSubgraph(def, {
        databaseUrl: db.url,
        prepare: true,
        notifications: false,
        logger: log.logger,
        connectTries: 2,
      }),
    ).rejects.toBeDefined();
    expect(log.lines.filter((l) => /database connect try/.test(l))).toHaveLength(2);
    expect(log.lines.at(-1)).toMatch(/try 2\/2 failed.*giving up/);
    await db.proxy.close();
  }, 30_000);
});

(usingMysql() ? describe : describe.skip)('the database restarts in the middle of a stream of submissions', () => {
  let stack: Stack;
  let db: { proxy: TcpProxy; url: string };
  let region: RegionalSubgraph;
  let sha: string;

  beforeAll(async () => {
    stack = await startStack();
    sha = await stack.uploadForEveryone('stream');
    db = await proxiedDatabase('faults-stream');
    const keys = await ensureDevelopmentKeys(stack.keysDir);
    region = await startRegionalSubgraph(def, {
      databaseUrl: db.url,
      prepare: true,
      internalPublicKey: await loadPublicKey(keys.internalPublicKeyPath),
      fileStore: stack.files,
      notifications: false,
      national: stack.nationalClients[def.subgraph],
    });
    await seedDemoRecords(region.dataSource, CODE);
  }, 60_000);
  afterAll(async () => {
    await region?.close();
    await db?.proxy.close();
    await stack?.close();
  });

  async function submitOnce(identity: Identity, input: Record<string, unknown>) {
    const body = JSON.stringify({
      query:
        'mutation($input: ApplicationInput!) { r: submitPanzhihuaApplication(input: $input) { application { acceptanceNumber } problems { code } } }',
      variables: { input },
    });
    try {
      const res = await fetch(region.graphqlUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-mente-internal-token': stack.internalToken(identity, def.subgraph, body),
          'x-mente-deadline': String(Date.now() + 2000),
        },
        body,
      });
      return (await res.json()) as { data?: { r: any } | null; errors?: { extensions?: any }[] };
    } catch {
      return { errors: [{ extensions: { code: 'NETWORK', retryable: true } }] };
    }
  }

  it('loses no acknowledged submission and doubles none once the client retries with the same keys', async () => {
    const today = todayInChina();
    const hospitalCode = def.policy.hospitals.find((h) => h.level === 'LEVEL_3' && h.qualifiedForSpecialDiseases)!.code;
    const records = demoRecordsFor(CODE);
    const requests: { identity: Identity; input: Record<string, unknown>; key: string }[] = [];
    for (const p of DEMO_PEOPLE) {
      if (p.insuredRegionCode !== CODE || p.status !== 'NORMAL' || p.inArrears || p.residenceRegionCode) continue;
      for (const d of def.policy.diseases) {
        if (records.applications.some((a) => a.personId === p.id && a.diseaseCode === d.code)) continue;
        if (records.certifications.some((c) => c.personId === p.id && c.diseaseCode === d.code)) continue;
        if (requests.length >= 16) break;
        const dated = { issuedOn: addDays(today, -20), hospitalCode, stamped: true };
        const f = (kind: string, more = {}) => ({
          kind,
          stamped: false,
          fileName: `${kind}.png`,
          sha256: sha,
          ...more,
        });
        const key = `stream-${requests.length}-${p.id}`.slice(0, 100);
        requests.push({
          identity: { role: 'APPLICANT', personId: p.id, subject: p.id, realNameVerified: true },
          key,
          input: {
            type: 'NEW',
            diseaseCode: d.code,
            channelId: def.policy.channels[0]!.id,
            hospitalCode,
            insuredRegionCode: CODE,
            idempotencyKey: key,
            materials: [
              f('ID_CARD'),
              f('DIAGNOSIS_CERTIFICATE', dated),
              f('MEDICAL_RECORD', dated),
              f('SOCIAL_SECURITY_CARD'),
              f('APPLICATION_FORM'),
              ...(d.requiresPhoto ? [f('PHOTO')] : []),
            ],
          },
        });
      }
    }
    expect(requests.length).toBeGreaterThanOrEqual(8);
    const acknowledged = new Map<string, string>();
    const failures: string[] = [];
    const client = (async () => {
      for (const r of requests) {
        for (let attempt = 0; ; attempt++) {
          const res = await submitOnce(r.identity, r.input);
          const number = res.data?.r?.application?.acceptanceNumber as string | undefined;
          if (number) {
            acknowledged.set(r.key, number);
            break;
          }
          const code = res.errors?.[0]?.extensions?.code ?? res.data?.r?.problems?.[0]?.code;
          failures.push(String(code));
          if (attempt > 40) throw new Error(`no answer for ${r.key}: ${code}`);
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
    })();
    // The database goes away for 2 s in the middle of the stream, every connection cut.
    await new Promise((resolve) => setTimeout(resolve, 300));
    db.proxy.refuse();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    db.proxy.restore();
    await client;
    expect(failures.length).toBeGreaterThan(0);
    // Failures while it was away said so, retryably: never an internal error.
    for (const code of failures) expect(['REGION_DATABASE_UNAVAILABLE', 'SUBGRAPH_TIMEOUT', 'NETWORK']).toContain(code);
    const rows = await region.dataSource.getRepository(ApplicationEntity).find({ where: { regionCode: CODE } });
    for (const r of requests) {
      const stored = rows.filter((a) => a.idempotencyKey === r.key);
      expect(stored.map((a) => a.id)).toEqual([acknowledged.get(r.key)]);
    }
    // And asking again with the same key answers the same application.
    const again = await submitOnce(requests[0]!.identity, requests[0]!.input);
    expect(again.data?.r?.application?.acceptanceNumber).toBe(acknowledged.get(requests[0]!.key));
  }, 120_000);
});

(usingMysql() ? describe : describe.skip)('SIGTERM to a subgraph process during a write', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('commits whole or not at all, and the retry with the same key returns the truth', async () => {
    const url = databaseUrlFor('faults-sigterm', process.env, PREFIX)!;
    await recreateMysqlDatabase(url);
    const setup = createRegionalDataSource(def, url);
    await setup.initialize();
    await prepareRegionalDatabase(setup, def, () => {});
    await seedDemoRecords(setup, CODE);
    const keysDir = mkdtempSync(path.join(os.tmpdir(), 'mente-faults-keys-'));
    const keys = await ensureDevelopmentKeys(keysDir);
    const privateKey = await loadPrivateKey(keys.internalPrivateKeyPath);
    const person = DEMO_PEOPLE.find(
      (p) => p.insuredRegionCode === CODE && p.status === 'NORMAL' && !p.inArrears && !p.residenceRegionCode,
    )!;
    const identity: Identity = { role: 'APPLICANT', personId: person.id, subject: person.id, realNameVerified: true };
    const key = 'sigterm-filing-0001';
    const body = JSON.stringify({
      query:
        'mutation($i: RemoteCareInput!) { r: filePanzhihuaRemoteCare(input: $i) { filing { id } problems { code } } }',
      variables: { i: { residenceRegionCode: '445300', idempotencyKey: key } },
    });
    const send = (port: number) =>
      fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-mente-internal-token': signInternalToken(privateKey, { identity, subgraph: def.subgraph, body }),
        },
        body,
      }).then(
        async (r) => (await r.json()) as { data?: { r: any }; errors?: unknown[] },
        () => null,
      );

    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      REGION: def.subgraph,
      PORT: String(port),
      METRICS_PORT: String(await freePort()),
      DATABASE_URL: url,
      MIGRATE_ON_START: 'false',
      INTERNAL_PUBLIC_KEY_FILE: keys.internalPublicKeyPath,
      SHUTDOWN_DELAY_MS: '100',
      LOG_LEVEL: 'warn',
    };
    const proc = spawnRegionalSubgraph(env, ['ignore', 'ignore', 'pipe']);
    child = proc;
    let stderr = '';
    proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    const until = Date.now() + 45_000;
    while (
      !(await fetch(`http://127.0.0.1:${port}/health/ready`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (proc.exitCode !== null || Date.now() > until) throw new Error(`the subgraph did not start:\n${stderr}`);
      await sleep(200);
    }
    // The write is in flight when the signal arrives.
    const answer = send(port);
    await sleep(15);
    proc.kill('SIGTERM');
    const first = await answer;
    await exited;

    const rows = async () => ({
      filings: await setup.getRepository(RemoteCareFilingEntity).findBy({ personId: person.id }),
      keys: await setup.getRepository(IdempotencyEntity).countBy({ key }),
      notices: await setup.getRepository(OutboxEntity).countBy({ personId: person.id, template: 'REMOTE_CARE_FILED' }),
    });
    const after = await rows();
    // Never half: the filing, its key and its notification together, or none of them.
    expect([after.filings.length, after.keys, after.notices]).toEqual(
      after.filings.length === 0 ? [0, 0, 0] : [1, 1, 1],
    );
    if (first?.data?.r?.filing) expect(after.filings.map((f) => f.id)).toEqual([first.data.r.filing.id]);

    // Started again, the same request with the same key answers the stored truth, or files it once.
    const again = await startRegionalSubgraph(def, {
      databaseUrl: url,
      prepare: false,
      notifications: false,
      internalPublicKey: await loadPublicKey(keys.internalPublicKeyPath),
    });
    try {
      const retry = await send(again.port);
      const final = await rows();
      expect(final.filings).toHaveLength(1);
      expect([final.keys, final.notices]).toEqual([1, 1]);
      expect(retry?.data?.r?.filing?.id).toBe(final.filings[0]!.id);
      if (after.filings.length === 1) expect(final.filings[0]!.id).toBe(after.filings[0]!.id);
    } finally {
      await again.close();
      await setup.destroy();
    }
  }, 90_000);
});
