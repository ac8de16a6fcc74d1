import { spawn } from 'node:child_process';
import { createPrivateKey, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { DEV_AUDIENCE, DEV_ISSUER } from '../../gateway/auth/jwt';
import type { Identity } from '../../subgraphs/kit/platform/auth/identity';
import { INTERNAL_TOKEN_HEADER, signInternalToken } from '../../subgraphs/kit/platform/auth/internal-token';

// Load generation for `npm run bench`: autocannon in a child process (its own core on this 2-core
// machine; the stack under test keeps the parent's event loop to itself). The parent writes a
// LoadSpec to a file; the child runs it and prints one `RESULT {json}` line. Latency percentiles
// are computed here from every response time (autocannon's own histogram has 1 ms buckets).

export interface LoadClient {
  /** Sent in turn by this connection, each with its own headers (for writes: distinct keys, own person). */
  requests: { headers: Record<string, string>; body: string }[];
}

export interface LoadSpec {
  url: string;
  connections: number;
  /** Seconds; ignored when `amount` is set. */
  durationSeconds?: number;
  /** A fixed number of requests across all connections. */
  amount?: number;
  /** The same request every time (reads). */
  headers?: Record<string, string>;
  body?: string;
  /** One entry per connection: its own headers and bodies (writes: one person per connection). */
  clients?: LoadClient[];
  /** An HTTP 200 answer containing any of these strings counts as failed (GraphQL errors, problems). */
  failureMarkers?: string[];
  /** Return every response time (to merge runs with mergeResults). */
  keepTimes?: boolean;
  /**
   * Straight-to-subgraph loads as a signed-in caller: every request gets a fresh internal token for
   * its own body, signed here in the load process (tokens are single-use and bound to the body).
   */
  internalToken?: InternalTokenSpec;
  /**
   * A different caller JWT on every request (`authorization: Bearer …`), as public gateway
   * benchmarks send, so that no verification cache, dedupe or per-caller state can be reused.
   * Minted here in the load process before the clock starts (EdDSA, each with its own jti).
   */
  uniqueCallerTokens?: UniqueCallerTokens;
  /** For an https URL under mutual TLS: the client certificate, its key and the CA (PEM files). */
  tls?: { cert: string; key: string; ca: string };
}

export interface UniqueCallerTokens {
  /** The development caller private key (PEM file, developmentKeyPaths().callerPrivateKeyPath). */
  privateKeyFile: string;
  /** Claims besides iss/aud/sub/iat/exp/jti, e.g. { role: 'REVIEWER', regionCode: '510400' }. */
  claims: Record<string, string>;
  subject: string;
  /** How many to mint; requests beyond that reuse them in turn (reported as `tokenReuses`). */
  count: number;
}

export interface InternalTokenSpec {
  /** The gateway's internal private key (PEM file). */
  privateKeyFile: string;
  identity: Identity;
  subgraph: string;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  /** Completed requests per second. */
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  max: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** 200 answers that contained a failure marker. */
  failed: number;
  firstFailure: string | null;
  /** The load process's resident memory at its end, bytes (the bench client). */
  clientRss?: number;
  /** With uniqueCallerTokens: requests that had to reuse a token (0 = every request its own). */
  tokenReuses?: number;
  /** Response times, ms, ascending (with spec.keepTimes). */
  times?: number[];
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;

async function child(specFile: string): Promise<void> {
  const spec = JSON.parse(readFileSync(specFile, 'utf8')) as LoadSpec;
  const markers = spec.failureMarkers ?? [];
  let failed = 0;
  let firstFailure: string | null = null;
  const onResponse = (status: number, body: string) => {
    if (status === 200 && markers.some((m) => body.includes(m))) {
      failed++;
      firstFailure ??= body.slice(0, 600);
    } else if (status !== 200) firstFailure ??= `HTTP ${status}: ${body.slice(0, 600)}`;
  };
  const clients = spec.clients ?? [];
  let nextClient = 0;
  const signer = spec.internalToken;
  const key = signer && createPrivateKey(readFileSync(signer.privateKeyFile));
  const signed = (req: Record<string, any>) =>
    key
      ? {
          ...req,
          headers: {
            ...req.headers,
            [INTERNAL_TOKEN_HEADER]: signInternalToken(key, {
              identity: signer.identity,
              subgraph: signer.subgraph,
              body: req.body as string,
            }),
          },
        }
      : req;
  const callerTokens = spec.uniqueCallerTokens ? await mintUnique(spec.uniqueCallerTokens) : [];
  let tokenIndex = 0;
  const withCaller = (req: Record<string, any>) =>
    callerTokens.length
      ? {
          ...req,
          headers: { ...req.headers, authorization: `Bearer ${callerTokens[tokenIndex++ % callerTokens.length]}` },
        }
      : req;
  const request = clients.length
    ? {
        method: 'POST',
        // Cloned per connection by autocannon: each connection keeps its own client and position.
        state: { client: -1, next: 0 },
        setupRequest: (req: Record<string, any>) => {
          const state = req.state as { client: number; next: number };
          if (state.client < 0) state.client = nextClient++ % clients.length;
          const c = clients[state.client]!;
          const next = c.requests[state.next++ % c.requests.length]!;
          return signed({ ...req, headers: { ...req.headers, ...next.headers }, body: next.body });
        },
        onResponse,
      }
    : {
        method: 'POST',
        headers: spec.headers,
        body: spec.body,
        ...(key || callerTokens.length
          ? { setupRequest: (req: Record<string, any>) => withCaller(signed({ ...req, body: spec.body })) }
          : {}),
        onResponse,
      };
  const { default: autocannon } = await import('autocannon');
  const times: number[] = [];
  const started = performance.now();
  const instance = autocannon({
    url: spec.url,
    connections: spec.connections,
    ...(spec.amount ? { amount: spec.amount } : { duration: spec.durationSeconds ?? 5 }),
    timeout: 30,
    headers: { 'content-type': 'application/json', ...spec.headers },
    requests: [request],
    ...(spec.tls
      ? {
          tlsOptions: {
            cert: readFileSync(spec.tls.cert),
            key: readFileSync(spec.tls.key),
            ca: readFileSync(spec.tls.ca),
          },
        }
      : {}),
  });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
    times.push(responseTime);
  });
  const result = await instance;
  const seconds = (performance.now() - started) / 1000;
  const out = summarize(times, seconds, {
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    failed,
    firstFailure,
  });
  out.clientRss = process.memoryUsage().rss;
  if (callerTokens.length) out.tokenReuses = Math.max(0, tokenIndex - callerTokens.length);
  if (spec.keepTimes) out.times = times.map((t) => Math.round(t * 100) / 100);
  process.stdout.write(`RESULT ${JSON.stringify(out)}\n`);
}

async function mintUnique(spec: UniqueCallerTokens): Promise<string[]> {
  const { SignJWT } = await import('jose');
  const key = createPrivateKey(readFileSync(spec.privateKeyFile));
  const now = Math.floor(Date.now() / 1000);
  const run = randomUUID().slice(0, 8);
  const tokens: string[] = [];
  for (let i = 0; i < spec.count; i++) {
    tokens.push(
      await new SignJWT(spec.claims)
        .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
        .setIssuer(DEV_ISSUER)
        .setAudience(DEV_AUDIENCE)
        .setSubject(spec.subject)
        .setJti(`${run}-${i}`)
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + 3600)
        .sign(key),
    );
  }
  return tokens;
}

type Counts = Pick<LoadResult, 'non2xx' | 'errors' | 'timeouts' | 'failed' | 'firstFailure' | 'tokenReuses'>;

function summarize(times: number[], seconds: number, counts: Counts): LoadResult {
  times.sort((a, b) => a - b);
  return {
    requests: times.length,
    seconds,
    rps: times.length / seconds,
    p50: percentile(times, 50),
    p90: percentile(times, 90),
    p99: percentile(times, 99),
    mean: times.reduce((a, b) => a + b, 0) / Math.max(1, times.length),
    max: times.at(-1) ?? 0,
    ...counts,
  };
}

/** One result from several runs of the same load (run with keepTimes): rates and percentiles over all. */
export function mergeResults(results: LoadResult[]): LoadResult {
  const times = results.flatMap((r) => r.times ?? []);
  const sum = (f: (r: LoadResult) => number) => results.reduce((a, r) => a + f(r), 0);
  return summarize(
    times,
    sum((r) => r.seconds),
    {
      non2xx: sum((r) => r.non2xx),
      ...(results.some((r) => r.tokenReuses !== undefined) ? { tokenReuses: sum((r) => r.tokenReuses ?? 0) } : {}),
      errors: sum((r) => r.errors),
      timeouts: sum((r) => r.timeouts),
      failed: sum((r) => r.failed),
      firstFailure: results.find((r) => r.firstFailure)?.firstFailure ?? null,
    },
  );
}

/** Runs one load in a child process (never blocking this event loop) and returns what it measured. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mente-load-'));
  const file = path.join(dir, 'spec.json');
  writeFileSync(file, JSON.stringify(spec));
  try {
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve, reject) => {
        const proc = spawn(process.execPath, ['--import', 'tsx', __filename, '--child', file], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const limit = ((spec.durationSeconds ?? 0) + 120) * 1000;
        const timer = setTimeout(() => proc.kill('SIGKILL'), limit);
        proc.on('error', reject);
        proc.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr });
        });
      },
    );
    const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (code !== 0 || !line) throw new Error(`load child failed (exit ${code}):\n${stderr}`);
    return JSON.parse(line.slice('RESULT '.length)) as LoadResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module && process.argv[2] === '--child') {
  child(process.argv[3]!).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
