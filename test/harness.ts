import 'reflect-metadata';

import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { createJwtVerifier, DEV_AUDIENCE, DEV_ISSUER } from '../gateway/auth/jwt';
import type { CircuitBreakerOptions } from '../gateway/circuit-breaker';
import { type GatewayOptions, type RunningGateway, startGateway } from '../gateway/gateway';
import type { UploadQuota } from '../gateway/upload-quota';
import { NATIONAL, REGIONS } from '../schema/registry';
import { databaseUrlFor, recreateMysqlDatabase } from '../scripts/lib/databases';
import { seedDemoPeople, seedDemoRecords } from '../scripts/lib/demo';
import { loadRegionDefinition } from '../scripts/lib/subgraphs';
import { DEMO_PEOPLE } from '../scripts/seed-data/people';
import { mintDevelopmentToken, type MintOptions } from '../scripts/token';
import { ApplicationEntity } from '../subgraphs/kit/persistence/db/record.entities';
import { NationalClient, type NationalLookup } from '../subgraphs/kit/persistence/national-client';
import type { NotificationTransport, OutboundNotification } from '../subgraphs/kit/persistence/outbox';
import type { Identity } from '../subgraphs/kit/platform/auth/identity';
import { signInternalToken } from '../subgraphs/kit/platform/auth/internal-token';
import { ensureDevelopmentKeys, loadPrivateKey, loadPublicKey } from '../subgraphs/kit/platform/auth/keys';
import { ensureRegionKeys } from '../subgraphs/kit/platform/auth/region-token';
import type { SubgraphTls } from '../subgraphs/kit/platform/config';
import { DirectoryFileStore, type FileStore } from '../subgraphs/kit/platform/files';
import type { Limits } from '../subgraphs/kit/platform/limits';
import type { Logger } from '../subgraphs/kit/platform/log';
import { PiiVault } from '../subgraphs/kit/platform/pii';
import { type RegionalSubgraph, startRegionalSubgraph } from '../subgraphs/kit/start-up/start';
import { type NationalSubgraph, startNationalSubgraph } from '../subgraphs/national/server';
import { type FaultProxy, startFaultProxy } from './fault-proxy';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

// The real thing, in one process: every subgraph and the gateway over HTTP on port 0, each on its
// own freshly migrated database with the demo people — MySQL/MariaDB when MYSQL_URL is set (CI),
// else in-memory SQLite. An unreachable MYSQL_URL fails the suite; it never falls back. Keys are
// fresh per stack, in a temporary directory.

export interface Stack {
  gateway: RunningGateway;
  /** With `faults: true`: a misbehaving-on-demand proxy in front of each region. */
  proxies: Record<string, FaultProxy>;
  /** With `databaseProxies` and MYSQL_URL: a TCP proxy between the region and its database. */
  databaseProxies: Record<string, TcpProxy>;
  /** Really stops a region's subgraph (its port stays reserved for restartRegion). */
  stopRegion(name: string): Promise<void>;
  /** Starts a stopped region again on the same port. */
  restartRegion(name: string): Promise<void>;
  national: NationalSubgraph;
  /** Really stops the national subgraph (the regions' look-ups then fail); close() skips it. */
  stopNational(): Promise<void>;
  /** Each region's look-up client, by subgraph name, signed with that region's key (for a region started outside the stack). */
  nationalClients: Record<string, NationalLookup>;
  regions: Record<string, RegionalSubgraph>;
  keysDir: string;
  /** Where uploaded files go (a fresh temporary directory). */
  files: FileStore;
  /** Notifications the regions delivered (recording transport), in order. */
  notifications: OutboundNotification[];
  /**
   * Runs `subgraph`'s outbox until `done(notifications)` holds, then returns the notifications.
   * The region's background dispatcher may hold a row's lease meanwhile, so this retries for at
   * most ~5 s and then fails, naming what was delivered.
   */
  deliver(
    subgraph: string,
    done: (sent: OutboundNotification[]) => boolean | Promise<boolean>,
  ): Promise<OutboundNotification[]>;
  /** Moves the pinned clock (only with options.now). */
  setNow(date: Date): void;
  /** Upload a file through POST /uploads as `token` (staff: for `personId`); returns its sha256. */
  upload(token: string, bytes: Buffer, fileName: string, personId?: string): Promise<string>;
  /** Uploads the same file for each of `personIds` (as staff at the window); returns its sha256. */
  uploadFor(personIds: readonly string[], bytes: Buffer, fileName: string): Promise<string>;
  /** A small PNG (marked with `tag`) owned by every demo person, as if staff uploaded it at the window; its sha256. */
  uploadForEveryone(tag: string, fileName?: string): Promise<string>;
  /** POST a GraphQL operation to the gateway (or to `url`), optionally as a signed-in caller. */
  query<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    options?: QueryOptions,
  ): Promise<GraphQLResponse<T>>;
  /** Another gateway in front of the same subgraphs (closed with the stack), e.g. with a rate limit. */
  startGateway(options?: Partial<GatewayOptions>): Promise<RunningGateway>;
  /** A development caller token, e.g. token({ role: 'APPLICANT', personId: 'P000001' }). */
  token(options: Omit<MintOptions, 'keysDir'>): Promise<string>;
  /**
   * A valid internal token, as the gateway would sign it, for a request sent straight to
   * `subgraph` with exactly `body` (single-use: the subgraph refuses it a second time).
   */
  internalToken(identity: Identity, subgraph: string, body: string): string;
  close(): Promise<void>;
}

export interface QueryOptions {
  token?: string;
  url?: string;
  headers?: Record<string, string>;
}

export interface GraphQLResponse<T> {
  status?: number;
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

export const usingMysql = () => Boolean(process.env.MYSQL_URL);

async function databaseFor(subgraph: string): Promise<string> {
  if (!usingMysql()) return 'memory:';
  // TEST_DB_PREFIX lets two checkouts run the suite on one server at once.
  const url = databaseUrlFor(subgraph, process.env, process.env.TEST_DB_PREFIX ?? 'mente_test_')!;
  await recreateMysqlDatabase(url);
  return url;
}

export interface StackOptions {
  /** The abuse limits of the gateway and of every subgraph alike. */
  limits?: Limits;
  /** EXPOSE_SCHEMA for the gateway and every subgraph (default on). */
  exposeSchema?: boolean;
  /** Where uploads go, for the gateway and the regions alike (default: a fresh temporary directory). */
  fileStore?: FileStore;
  /** The gateway's response cache for public policy (default on); off for tests that count fetches. */
  responseCache?: boolean;
  /** The gateway answers the national registry fields in-process (default on, gateway/local-registry.ts). */
  localRegistry?: boolean;
  /** Sees every SQL statement a region runs (statement-count tests). */
  onQuery?: (subgraph: string, sql: string) => void;
  /** Pins the regions' clock (applications, due dates, certifications); move it with stack.setNow. */
  now?: Date;
  /** Outbox delivery for the regions (default: recorded in `stack.notifications`, dispatched on demand). */
  notifications?: NotificationTransport;
  subgraphTimeoutMs?: number;
  /** The gateway's per-subgraph health checks: deadline and how long a report is reused. */
  subgraphHealthTimeoutMs?: number;
  subgraphHealthCacheMs?: number;
  faults?: boolean;
  /** The gateway's per-subgraph circuit breaker (default: the product's, 3 failures in 10 s open it for 5 s). */
  circuitBreaker?: CircuitBreakerOptions;
  /** With MYSQL_URL: a TCP proxy (test/tcp-proxy.ts) between these regions and their database, in `stack.databaseProxies`. */
  databaseProxies?: string[];
  /** Where every server of the stack logs (default: the root logger, silent under jest). */
  logger?: Logger;
  /** The gateway's per-person upload quota (default: the product's, 50 files and 200 MB a day). */
  uploadQuota?: UploadQuota;
  /** How long the regions reuse a national look-up (default: the product's, 60 s). */
  nationalCacheTtlMs?: number;
  /** Mutual TLS between the gateway and every subgraph: the subgraphs' and the gateway's sides. */
  tls?: { subgraphs: SubgraphTls; gateway: SubgraphTls };
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const keysDir = mkdtempSync(path.join(os.tmpdir(), 'mente-keys-'));
  const keys = await ensureDevelopmentKeys(keysDir);
  const internalPublicKey = await loadPublicKey(keys.internalPublicKeyPath);
  const quiet = { log: () => {} };
  const files = options.fileStore ?? new DirectoryFileStore(mkdtempSync(path.join(os.tmpdir(), 'mente-uploads-')));
  const notifications: OutboundNotification[] = [];
  let now = options.now;
  const clock = now ? () => now! : undefined;
  const transport: NotificationTransport = options.notifications ?? {
    send: async (message) => {
      notifications.push(message);
    },
  };

  const regions: Record<string, RegionalSubgraph> = {};
  const databases: Record<string, string> = {};
  // Each region reports new history to the national index and looks up residence and proof
  // hospitals there, signed with its own key (never the gateway's internal key); the national
  // subgraph starts after the regions, so its URL is read at each request.
  const nationalIndex: { url?: string } = {};
  const nationalClients: Record<string, NationalLookup> = {};
  const regionPublicKeys = new Map<string, Awaited<ReturnType<typeof loadPublicKey>>>();
  const regionPrivateKeys = new Map<string, Awaited<ReturnType<typeof loadPrivateKey>>>();
  for (const entry of REGIONS) {
    const paths = ensureRegionKeys(keysDir, entry.code);
    regionPublicKeys.set(entry.code, await loadPublicKey(paths.publicKeyPath));
    regionPrivateKeys.set(entry.code, await loadPrivateKey(paths.privateKeyPath));
    nationalClients[entry.subgraph] = new NationalClient({
      url: () => nationalIndex.url,
      regionCode: entry.code,
      privateKey: regionPrivateKeys.get(entry.code)!,
      cacheTtlMs: options.nationalCacheTtlMs,
    });
  }
  const startRegion = async (name: string, port = 0) => {
    const entry = REGIONS.find((r) => r.subgraph === name)!;
    const def = loadRegionDefinition(name);
    const databaseUrl = databases[name];
    const server = await startRegionalSubgraph(def, {
      port,
      databaseUrl,
      prepare: true,
      internalPublicKey,
      nationalIndex: {
        url: () => nationalIndex.url,
        privateKey: regionPrivateKeys.get(entry.code)!,
        audience: NATIONAL.name,
      },
      fileStore: files,
      notifications: transport,
      clock,
      national: nationalClients[name],
      logger: options.logger,
      limits: options.limits,
      exposeSchema: options.exposeSchema ?? true,
      tls: options.tls?.subgraphs,
      onQuery: options.onQuery && ((sql: string) => options.onQuery!(name, sql)),
      ...quiet,
    });
    await seedDemoRecords(server.dataSource, entry.code);
    regions[name] = server;
  };
  const databaseProxies: Record<string, TcpProxy> = {};
  for (const entry of REGIONS) {
    databases[entry.subgraph] = await databaseFor(entry.subgraph);
    if (usingMysql() && options.databaseProxies?.includes(entry.subgraph)) {
      const url = new URL(databases[entry.subgraph]!);
      const proxy = await startTcpProxy(url.hostname, Number(url.port || 3306));
      databaseProxies[entry.subgraph] = proxy;
      url.hostname = proxy.host;
      url.port = String(proxy.port);
      databases[entry.subgraph] = url.toString();
    }
    await startRegion(entry.subgraph);
  }
  const proxies: Record<string, FaultProxy> = {};
  if (options.faults) {
    for (const [name, server] of Object.entries(regions)) proxies[name] = await startFaultProxy(server.url);
  }
  const vault = new PiiVault({ hashKey: randomBytes(32), encryptionKey: randomBytes(32) });
  const national = await startNationalSubgraph({
    vault,
    port: 0,
    databaseUrl: await databaseFor(NATIONAL.name),
    prepare: true,
    internalPublicKey,
    regionPublicKeys,
    logger: options.logger,
    limits: options.limits,
    exposeSchema: options.exposeSchema ?? true,
    tls: options.tls?.subgraphs,
    ...quiet,
  });
  nationalIndex.url = national.url;
  await seedDemoPeople(national.dataSource, vault);

  const subgraphUrls: Record<string, string> = { [NATIONAL.name]: national.graphqlUrl };
  for (const [name, server] of Object.entries(regions)) {
    subgraphUrls[name] = proxies[name] ? `${proxies[name].url}/graphql` : server.graphqlUrl;
  }
  const internalPrivateKey = await loadPrivateKey(keys.internalPrivateKeyPath);
  const gatewayOptions: GatewayOptions = {
    port: 0,
    subgraphUrls,
    subgraphTls: options.tls?.gateway,
    limits: options.limits,
    exposeSchema: options.exposeSchema,
    subgraphTimeoutMs: options.subgraphTimeoutMs,
    circuitBreaker: options.circuitBreaker,
    subgraphHealthTimeoutMs: options.subgraphHealthTimeoutMs,
    subgraphHealthCacheMs: options.subgraphHealthCacheMs,
    responseCache: options.responseCache,
    localRegistry: options.localRegistry,
    fileStore: files,
    uploadQuota: options.uploadQuota,
    logger: options.logger,
    security: {
      authenticate: createJwtVerifier({
        issuer: DEV_ISSUER,
        audience: DEV_AUDIENCE,
        publicKeyFile: keys.callerPublicKeyPath,
      }),
      internalPrivateKey,
    },
  };
  const gateway = await startGateway(gatewayOptions);
  const extraGateways: RunningGateway[] = [];

  const upload: Stack['upload'] = async (token, bytes, fileName, personId) => {
    const form = new FormData();
    if (personId) form.append('personId', personId);
    form.append('file', new Blob([bytes]), fileName);
    const res = await fetch(`${gateway.url}/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    const body = (await res.json()) as { sha256?: string };
    if (res.status !== 201 || !body.sha256) throw new Error(`upload failed: ${res.status} ${JSON.stringify(body)}`);
    return body.sha256;
  };
  const uploadFor: Stack['uploadFor'] = async (personIds, bytes, fileName) => {
    const staff = await mintDevelopmentToken({ role: 'REVIEWER', regionCode: '510400', subject: 'window', keysDir });
    let sha256 = '';
    for (const personId of personIds) sha256 = await upload(staff, bytes, fileName, personId);
    return sha256;
  };
  const stopped = new Map<string, number>();
  let nationalStopped = false;
  return {
    gateway,
    national,
    nationalClients,
    regions,
    proxies,
    databaseProxies,
    keysDir,
    files,
    notifications,
    async deliver(subgraph, done) {
      for (let round = 0; round < 100; round++) {
        await regions[subgraph]!.dispatcher!.dispatchOnce();
        if (await done(notifications)) return notifications;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const sent = notifications.map((m) => `${m.personId}:${m.channel}:${m.template}`);
      throw new Error(`${subgraph}'s outbox never delivered what the test waits for; delivered: ${sent.join(', ')}`);
    },
    setNow(date) {
      if (!clock) throw new Error('setNow needs a stack started with options.now');
      now = date;
    },
    upload,
    uploadFor,
    uploadForEveryone(tag, fileName = '诊断证明.png') {
      const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from(tag)]);
      return uploadFor(
        DEMO_PEOPLE.map((p) => p.id),
        png,
        fileName,
      );
    },
    async stopNational() {
      nationalStopped = true;
      await national.close();
    },
    async stopRegion(name) {
      stopped.set(name, regions[name]!.port);
      await regions[name]!.close();
    },
    async restartRegion(name) {
      await startRegion(name, stopped.get(name));
      stopped.delete(name);
    },
    async query(query, variables, { token, url = gateway.graphqlUrl, headers = {} } = {}) {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, ...((await res.json()) as GraphQLResponse<any>) };
    },
    async startGateway(overrides = {}) {
      const extra = await startGateway({ ...gatewayOptions, ...overrides });
      extraGateways.push(extra);
      return extra;
    },
    token: (options) => mintDevelopmentToken({ ...options, keysDir, ttl: options.ttl ?? '10m' }),
    internalToken: (identity, subgraph, body) => signInternalToken(internalPrivateKey, { identity, subgraph, body }),
    async close() {
      for (const extra of extraGateways) await extra.close();
      await gateway.close();
      for (const proxy of Object.values(proxies)) await proxy.close();
      if (!nationalStopped) await national.close();
      for (const [name, server] of Object.entries(regions)) if (!stopped.has(name)) await server.close();
      for (const proxy of Object.values(databaseProxies)) await proxy.close();
    },
  };
}

/**
 * 经定点医疗机构审核备案: in a region whose file has `rules.hospitalReview` (Yunfu), a new
 * application waits for the designated hospital it names (AWAITING_HOSPITAL) before the region
 * may review it. This confirms it there, as a HOSPITAL_REVIEWER of that hospital, through the
 * gateway, and checks it went on to ACCEPTED; in a region without the step it does nothing.
 * Returns the payload (null when there was nothing to confirm).
 */
export async function confirmAtHospital(
  stack: Stack,
  regionCode: string,
  acceptanceNumber: string,
): Promise<{
  application: { status: string; dueDate: { date: string; workingDays: number; provisional: boolean } };
  problems: unknown[];
} | null> {
  const region = REGIONS.find((r) => r.code === regionCode)!;
  if (!loadRegionDefinition(region.subgraph).rules.hospitalReview) return null;
  const row = await stack.regions[region.subgraph]!.dataSource.getRepository(ApplicationEntity).findOneByOrFail({
    id: acceptanceNumber,
  });
  if (row.status !== 'AWAITING_HOSPITAL')
    throw new Error(`${acceptanceNumber} is ${row.status}, not AWAITING_HOSPITAL`);
  const token = await stack.token({
    role: 'HOSPITAL_REVIEWER',
    regionCode: region.code,
    hospitalCode: row.hospitalCode!,
    subject: `test-hospital-${row.hospitalCode}`,
  });
  const res = await stack.query(
    `mutation($n: String!) { r: confirm${region.prefix}HospitalReview(acceptanceNumber: $n, decision: CONFIRM) {
      application { status dueDate { date workingDays provisional } } problems { code message }
    } }`,
    { n: acceptanceNumber },
    { token },
  );
  const payload = res.data?.r;
  if (res.errors || payload?.application?.status !== 'ACCEPTED') {
    throw new Error(`confirming ${acceptanceNumber} at ${row.hospitalCode} failed: ${JSON.stringify(res)}`);
  }
  return payload;
}
