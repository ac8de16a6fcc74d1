import { rmSync } from 'node:fs';
import tls from 'node:tls';

import { Agent, request } from 'undici';

import { createJwtVerifier, DEV_AUDIENCE, DEV_ISSUER } from '../gateway/auth/jwt';
import { type RunningGateway, startGateway } from '../gateway/gateway';
import { makeTlsFixtures, readTls, type TlsFixtures } from '../scripts/lib/tls-fixtures';
import { developmentKeyPaths, loadPrivateKey } from '../subgraphs/kit/platform/auth/keys';
import { type Stack, startStack } from './harness';

// Mutual TLS between the gateway and the subgraphs (SUBGRAPH_TLS_*), with certificates made at
// run time: requests through the gateway work, every subgraph serves HTTPS only, and a client
// without a certificate signed by the CA — or a gateway that does not trust the subgraphs' CA —
// is refused during the TLS handshake, before any HTTP is spoken.

const PZH = 'sichuan-panzhihua';
let fixtures: TlsFixtures;
let stack: Stack;

beforeAll(async () => {
  fixtures = makeTlsFixtures();
  stack = await startStack({ tls: { subgraphs: readTls(fixtures.subgraph), gateway: readTls(fixtures.gateway) } });
});

afterAll(async () => {
  await stack?.close();
  if (fixtures) rmSync(fixtures.dir, { recursive: true, force: true });
});

/** Opens a TLS connection to a subgraph, sends one HTTP request, and reports what came back. */
function rawTls(
  port: number,
  options: tls.ConnectionOptions,
): Promise<{ data: string; error?: NodeJS.ErrnoException }> {
  return new Promise((resolve) => {
    let data = '';
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ...options }, () => {
      socket.write('GET /health/live HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    });
    socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
    socket.on('error', (error) => resolve({ data, error }));
    socket.on('close', () => resolve({ data }));
  });
}

describe('mutual TLS between the gateway and the subgraphs', () => {
  it('serves every subgraph over HTTPS', () => {
    expect(stack.national.graphqlUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/graphql$/);
    for (const region of Object.values(stack.regions)) expect(region.graphqlUrl).toMatch(/^https:/);
  });

  it('answers through the gateway: public policy, a signed-in reviewer, and readiness', async () => {
    const regions = await stack.query('{ regions { code name } }');
    expect(regions.errors).toBeUndefined();
    expect(regions.data.regions.map((r: { code: string }) => r.code)).toEqual(expect.arrayContaining(['510400']));
    const token = await stack.token({ role: 'REVIEWER', regionCode: '510400', subject: 'tls-reviewer' });
    const queue = await stack.query('{ panzhihuaReviewQueue(first: 3) { acceptanceNumber } }', undefined, { token });
    expect(queue.errors).toBeUndefined();
    expect(queue.data.panzhihuaReviewQueue.length).toBeGreaterThan(0);
    const ready = await fetch(`${stack.gateway.url}/health/ready`);
    expect(ready.status).toBe(200);
  });

  it('refuses a direct call without a client certificate at the TLS layer', async () => {
    const { ca } = readTls(fixtures.subgraph);
    const noCert = await rawTls(stack.regions[PZH]!.port, { ca });
    expect(noCert.data).toBe('');
    expect(noCert.error?.code).toBe('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
    // The same through an HTTP client: the request never gets an answer.
    const agent = new Agent({ connect: { ca } });
    await expect(
      request(stack.regions[PZH]!.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ panzhihuaRegion { name } }' }),
        dispatcher: agent,
      }),
    ).rejects.toThrow();
    await agent.close();
    // Plain HTTP to the HTTPS port gets no HTTP answer either.
    await expect(fetch(stack.regions[PZH]!.graphqlUrl.replace('https:', 'http:'))).rejects.toThrow();
  });

  it('refuses a client certificate signed by another CA', async () => {
    const rogue = readTls(fixtures.rogue);
    const result = await rawTls(stack.regions[PZH]!.port, {
      cert: rogue.cert,
      key: rogue.key,
      ca: readTls(fixtures.subgraph).ca,
    });
    // The handshake fails (an alert, or the connection closed): no HTTP byte comes back.
    expect(result.data).toBe('');
    if (result.error) expect(result.error.code).toMatch(/^ERR_SSL_|^ECONNRESET$/);
  });

  it('accepts a client certificate signed by the CA (the control)', async () => {
    const result = await rawTls(stack.regions[PZH]!.port, readTls(fixtures.gateway));
    expect(result.error).toBeUndefined();
    expect(result.data).toMatch(/^HTTP\/1\.1 200/);
  });

  it('a gateway that does not trust the subgraphs’ CA reaches none of them', async () => {
    const keys = developmentKeyPaths(stack.keysDir);
    const gatewayFiles = readTls(fixtures.gateway);
    const subgraphUrls = {
      national: stack.national.graphqlUrl,
      ...Object.fromEntries(Object.entries(stack.regions).map(([name, server]) => [name, server.graphqlUrl])),
    };
    let distrustful: RunningGateway | undefined;
    try {
      distrustful = await startGateway({
        port: 0,
        subgraphUrls,
        subgraphTls: { ...gatewayFiles, ca: readTls(fixtures.rogue).ca },
        // The registry fields are answered in the gateway by default: ask the national subgraph itself.
        localRegistry: false,
        security: {
          authenticate: createJwtVerifier({
            issuer: DEV_ISSUER,
            audience: DEV_AUDIENCE,
            publicKeyFile: keys.callerPublicKeyPath,
          }),
          internalPrivateKey: await loadPrivateKey(keys.internalPrivateKeyPath),
        },
      });
      const res = await stack.query('{ regions { code } }', undefined, { url: distrustful.graphqlUrl });
      expect(res.data?.regions ?? null).toBeNull();
      expect(res.errors![0]!.extensions!.code).toBe('SUBGRAPH_UNAVAILABLE');
    } finally {
      await distrustful?.close();
    }
  });
});
