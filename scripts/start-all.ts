import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

import { NATIONAL, REGIONAL_SUBGRAPHS } from '../schema/registry';
import { ensureDevelopmentKeys } from '../subgraphs/kit/platform/auth/keys';
import { defaultMetricsPort } from '../subgraphs/kit/platform/metrics-server';
import { databaseUrlFor, databaseUrlVariable } from './lib/databases';
import { prepareAll } from './migrate';

// `npm start`: every subgraph and the gateway as child processes (each also deployable alone),
// on the embedded database unless MYSQL_URL is set. Ctrl-C / SIGTERM stops every child cleanly.
// GATEWAY_ENGINE=hive serves the supergraph through Hive Gateway (gateway/hive/) instead of the
// Apollo gateway (the default); COPROCESSOR=true also starts the Apollo Router coprocessor.

const root = path.resolve(__dirname, '..');
const portOffset = (name: string) => process.env[`PORT_${name.toUpperCase().replace(/-/g, '_')}`];
const children: ChildProcess[] = [];

function run(name: string, entry: string, env: Record<string, string | undefined>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[start] ${name} exited (${signal ?? code}); stopping everything`);
      stop(1);
    }
  });
  children.push(child);
  return child;
}

async function waitHealthy(name: string, port: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} did not become healthy on port ${port} within ${timeoutMs / 1000}s`);
}

let stopping = false;
function stop(code: number): void {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  let left = children.filter((c) => c.exitCode === null).length;
  if (left === 0) process.exit(code);
  for (const child of children) child.once('exit', () => --left <= 0 && process.exit(code));
  setTimeout(() => process.exit(code), 10_000).unref();
}

const ENGINES = { apollo: 'gateway/index.ts', hive: 'gateway/hive/index.ts' } as const;

async function main(): Promise<void> {
  const engine = (process.env.GATEWAY_ENGINE ?? 'apollo') as keyof typeof ENGINES;
  if (!Object.hasOwn(ENGINES, engine)) {
    throw new Error(`GATEWAY_ENGINE must be one of ${Object.keys(ENGINES).join(', ')}; got "${engine}"`);
  }
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
  // Migrations, policy data and demo people before anything serves (idempotent).
  await prepareAll({ seed: true });
  await ensureDevelopmentKeys();
  const subgraphs = [
    {
      name: NATIONAL.name,
      port: Number(portOffset(NATIONAL.name) ?? NATIONAL.port),
      database: databaseUrlFor(NATIONAL.name),
    },
    // One process per subgraph of the registry: a region of its own, or a provincial subgraph
    // serving several regions (SUBGRAPH=<name>), each region on its own database.
    ...REGIONAL_SUBGRAPHS.map((s) => {
      const alone = s.regions.length === 1 && s.regions[0] === s.name;
      return {
        name: s.name,
        port: Number(portOffset(s.name) ?? s.port),
        database: alone ? databaseUrlFor(s.name) : undefined,
        env: alone
          ? { REGION: s.name }
          : {
              SUBGRAPH: s.name,
              ...Object.fromEntries(s.regions.map((r) => [databaseUrlVariable(r), databaseUrlFor(r)])),
            },
      };
    }),
  ];
  const urls: Record<string, string> = {};
  for (const s of subgraphs) {
    const national = s.name === NATIONAL.name;
    run(s.name, national ? 'subgraphs/national/index.ts' : 'subgraphs/regional/index.ts', {
      // Regions report history to, and look up residence and hospitals at, the national subgraph, signed with their own key.
      ...('env' in s ? { ...s.env, NATIONAL_INDEX_URL: `http://127.0.0.1:${subgraphs[0]!.port}` } : {}),
      // Only the gateway signs internal tokens: no subgraph inherits its key from this shell.
      INTERNAL_PRIVATE_KEY_FILE: undefined,
      PORT: String(s.port),
      // Each process its own internal port (one METRICS_PORT inherited by all would collide).
      METRICS_PORT: String(defaultMetricsPort(s.port)),
      DATABASE_URL: s.database,
      MIGRATE_ON_START: process.env.MIGRATE_ON_START ?? 'true',
    });
    urls[`SUBGRAPH_URL_${s.name.toUpperCase().replace(/-/g, '_')}`] = `http://127.0.0.1:${s.port}/graphql`;
  }
  await Promise.all(subgraphs.map((s) => waitHealthy(s.name, s.port)));
  const gatewayPort = Number(process.env.PORT ?? 4000);
  run('gateway', ENGINES[engine], {
    PORT: String(gatewayPort),
    METRICS_PORT: String(defaultMetricsPort(gatewayPort)),
    ...urls,
  });
  await waitHealthy('gateway', gatewayPort);
  if (process.env.COPROCESSOR === 'true') {
    const coprocessorPort = Number(process.env.COPROCESSOR_PORT ?? 4010);
    run('coprocessor', 'gateway/coprocessor/index.ts', { COPROCESSOR_PORT: String(coprocessorPort) });
    await waitHealthy('coprocessor', coprocessorPort);
  }
  console.log(
    [
      '',
      ...(engine === 'hive'
        ? [`  Mente is up through Hive Gateway: POST http://localhost:${gatewayPort}/ (uploads: /uploads)`]
        : [
            `  Mente is up. Apollo Sandbox: http://localhost:${gatewayPort}/`,
            `  Offline or in a private network: the local GraphiQL, http://localhost:${gatewayPort}/explorer`,
          ]),
      `  Public policy needs no token. For personal data, mint one and send it${engine === 'hive' ? '' : ' (explorer → Headers)'}:`,
      '    npm run token -- --role APPLICANT --person P000001',
      '    Authorization: Bearer <token>',
      ...(engine === 'hive'
        ? []
        : [
            `  Operators: http://127.0.0.1:${defaultMetricsPort(gatewayPort)}/metrics and /health/subgraphs (gateway);`,
          ]),
      `  subgraph metrics on ${subgraphs.map((s) => defaultMetricsPort(s.port)).join(', ')} (/metrics).`,
      '  (Ctrl-C stops everything)',
      '',
    ].join('\n'),
  );
}

main().catch((e: unknown) => {
  console.error(`[start] ${e instanceof Error ? e.message : e}`);
  stop(1);
});
