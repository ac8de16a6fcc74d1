import 'reflect-metadata';

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { Agent, request } from 'undici';

import { REGIONS, SUBGRAPHS } from '../../schema/registry';
import { INTERNAL_TOKEN_HEADER, signInternalToken } from '../../subgraphs/kit/platform/auth/internal-token';
import { developmentKeyPaths, loadPrivateKey } from '../../subgraphs/kit/platform/auth/keys';
import { createLogger } from '../../subgraphs/kit/platform/log';
import { startStack } from '../../test/harness';
import { makeTlsFixtures, readTls, tlsEnv } from '../lib/tls-fixtures';
import { mintDevelopmentToken } from '../token';
import { type InternalTokenSpec, runLoad } from './load';

// `npm run bench:cpu`: where a request's CPU goes. The subgraphs run in this process, the gateway
// in its own (gateway/index.ts, no response cache; DEDUPE_ANONYMOUS_QUERIES from the environment,
// default on); each configuration is loaded for 6 s and the CPU time each process used
// (/proc/<pid>/stat, user + system) is divided by the requests answered. Linux only.
// `-- --prof` also writes a CPU profile of the gateway under bench/results/cpu/.
// `-- --tls` runs it all with mutual TLS between the gateway and the subgraphs (SUBGRAPH_TLS_*,
// throwaway certificates made by scripts/lib/tls-fixtures.ts; direct calls present the gateway's
// client certificate), to compare the gateway's CPU per request with and without it.
// `-- --seconds <n>` (default 6), `--warmup <n>` (default 2), `--connections <n>` (default 10): a
// tiny run such as `--seconds 1 --warmup 0 --connections 1` only shows that it works.

const ROOT = path.resolve(__dirname, '..', '..');
const CATALOGUE = '{ region(code: "510400") { diseases { code name } hospitals { code name level } } }';
const CATALOGUE_DIRECT = '{ panzhihuaRegion { diseases { code name } hospitals { code name level } } }';
const QUEUE =
  '{ panzhihuaReviewQueue(first: 50) { acceptanceNumber status disease { name } hospital { name } materials { kind } history { status at } } }';

/** CPU milliseconds a process has used (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `--name <n>` or `--name=<n>` from the command line, else `fallback`. */
function numberOption(name: string, fallback: number): number {
  const args = process.argv.slice(2);
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return fallback;
  const raw = args[i]!.includes('=') ? args[i]!.split('=')[1] : args[i + 1];
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name}: a number of 0 or more, not ${raw}`);
  return value;
}

async function main(): Promise<void> {
  const seconds = numberOption('seconds', 6);
  const warmup = numberOption('warmup', 2);
  const connections = numberOption('connections', 10);
  const tls = process.argv.includes('--tls') ? makeTlsFixtures() : undefined;
  const stack = await startStack({
    logger: createLogger({ level: 'warn' }),
    responseCache: false,
    ...(tls ? { tls: { subgraphs: readTls(tls.subgraph), gateway: readTls(tls.gateway) } } : {}),
  });
  // Calls straight to a subgraph under mutual TLS present the gateway's client certificate.
  const dispatcher = tls ? new Agent({ connect: { ...readTls(tls.gateway), servername: 'localhost' } }) : undefined;
  const keys = developmentKeyPaths(stack.keysDir);
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    METRICS_PORT: '0', // not scraped here; any free port, never a clash with npm start's 9400
    RATE_LIMIT_PER_MINUTE: '0', // one load client from one address: the per-caller limit would measure 429s
    JWT_PUBLIC_KEY_FILE: keys.callerPublicKeyPath,
    INTERNAL_PRIVATE_KEY_FILE: keys.internalPrivateKeyPath,
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'mente-cpu-')),
    LOG_LEVEL: 'warn',
    PUBLIC_CACHE_MAX_AGE: '0',
    [SUBGRAPHS[0]!.urlEnv]: stack.national.graphqlUrl,
    ...(tls ? tlsEnv(tls.gateway) : {}),
  };
  for (const r of REGIONS)
    env[SUBGRAPHS.find((s) => s.name === r.subgraph)!.urlEnv] = stack.regions[r.subgraph]!.graphqlUrl;
  const profile = process.argv.includes('--prof')
    ? ['--cpu-prof', `--cpu-prof-dir=${path.join(ROOT, 'bench', 'results', 'cpu')}`]
    : [];
  const gateway = spawn(process.execPath, [...profile, '--import', 'tsx', path.join(ROOT, 'gateway', 'index.ts')], {
    env,
    stdio: 'inherit',
  });
  process.once('exit', () => gateway.kill('SIGTERM'));
  const gatewayUrl = `http://127.0.0.1:${port}/graphql`;
  for (
    let tries = 0;
    !(await fetch(`http://127.0.0.1:${port}/health/live`).then(
      (r) => r.ok,
      () => false,
    ));
    tries++
  ) {
    if (tries > 200) throw new Error('the gateway did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
  const reviewer = { role: 'REVIEWER', regionCode: '510400', subject: 'cpu-reviewer' } as const;
  const reviewerCaller = await mintDevelopmentToken({ ...reviewer, keysDir: stack.keysDir, ttl: '1h' });
  const pzh = stack.regions['sichuan-panzhihua']!.graphqlUrl;
  // Straight to the subgraph as the gateway sends it: anonymous without a token, the reviewer with
  // a fresh internal token per request (signed by the load process: tokens are single-use).
  const asReviewer: InternalTokenSpec = {
    privateKeyFile: keys.internalPrivateKeyPath,
    identity: reviewer,
    subgraph: 'sichuan-panzhihua',
  };
  const cases: [string, string, Record<string, string>, string, InternalTokenSpec?][] = [
    ['catalogue · subgraph directly', pzh, {}, CATALOGUE_DIRECT],
    ['catalogue · gateway', gatewayUrl, {}, CATALOGUE],
    ['review queue · subgraph directly', pzh, {}, QUEUE, asReviewer],
    ['review queue · gateway', gatewayUrl, { authorization: `Bearer ${reviewerCaller}` }, QUEUE],
  ];
  const key = await loadPrivateKey(keys.internalPrivateKeyPath);
  const rows = ['| configuration | req/s | subgraphs, CPU ms/request | gateway, CPU ms/request |', '|---|---|---|---|'];
  for (const [label, url, extra, query, internalToken] of cases) {
    const headers = { 'content-type': 'application/json', ...extra };
    const body = JSON.stringify({ query });
    const token = internalToken && signInternalToken(key, { ...internalToken, body });
    const checkHeaders = token ? { ...headers, [INTERNAL_TOKEN_HEADER]: token } : headers;
    const answer = await request(url, { method: 'POST', headers: checkHeaders, body, dispatcher });
    const check = (await answer.body.json()) as { errors?: unknown };
    if (check.errors) throw new Error(`${label}: ${JSON.stringify(check.errors)}`);
    const load = { url, connections, headers, body, internalToken, ...(tls ? { tls: tls.gateway } : {}) };
    if (warmup > 0) await runLoad({ ...load, durationSeconds: warmup });
    const [sub0, gw0] = [cpuMs(process.pid), cpuMs(gateway.pid!)];
    const r = await runLoad({ ...load, durationSeconds: seconds });
    const [sub1, gw1] = [cpuMs(process.pid), cpuMs(gateway.pid!)];
    if (r.non2xx > 0) throw new Error(`${label}: ${r.non2xx} answers were not 2xx: ${r.firstFailure}`);
    rows.push(
      `| ${label} | ${r.rps.toFixed(0)} | ${((sub1 - sub0) / r.requests).toFixed(2)} | ${((gw1 - gw0) / r.requests).toFixed(2)} |`,
    );
  }
  process.stdout.write(
    `${rows.join('\n')}\n\n(dedupe ${env.DEDUPE_ANONYMOUS_QUERIES ?? 'on (default)'}; mutual TLS ${tls ? 'on' : 'off'}; ${connections} connections, ${seconds} s each; the gateway column under "directly" is its idle cost)\n`,
  );
  gateway.kill('SIGTERM');
  await new Promise((r) => gateway.once('exit', r));
  await stack.close();
  await dispatcher?.close();
  if (tls) rmSync(tls.dir, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
