import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { createJwtVerifier, DEV_AUDIENCE, DEV_ISSUER } from '../gateway/auth/jwt';
import { gatewayConfigFromEnv } from '../gateway/config';
import { EXAMPLE_OPERATIONS, SIGNED_IN_OPERATIONS } from '../gateway/examples';
import type { ExplorerConfig, ExplorerMode } from '../gateway/explorer/config';
import { SANDBOX_SCRIPT_URL } from '../gateway/explorer/pages';
import { type RunningGateway, startGateway } from '../gateway/gateway';
import { SUBGRAPHS } from '../schema/registry';
import { ensureDevelopmentKeys, loadPrivateKey } from '../subgraphs/kit/platform/auth/keys';
import { ConfigError } from '../subgraphs/kit/platform/config';

// What the gateway serves a browser at / and /explorer under each EXPLORER and EXPOSE_SCHEMA.
// Nothing here needs the subgraphs (the browser test runs operations against the whole stack).

// Links GraphiQL, React and CodeMirror print in messages and help texts, or XML namespaces: never
// fetched. A new host here means a new dependency references another server: look before adding.
const NON_FETCHED_HOSTS = [
  'www.w3.org',
  'reactjs.org',
  'github.com',
  'en.wikipedia.org',
  'commonmark.org',
  'codemirror.net',
  'yarnpkg.com',
];

let keys: Awaited<ReturnType<typeof ensureDevelopmentKeys>>;
const gateways: RunningGateway[] = [];

async function gateway(options: { explorer?: ExplorerMode; exposeSchema?: boolean } = {}): Promise<RunningGateway> {
  keys ??= await ensureDevelopmentKeys(mkdtempSync(path.join(os.tmpdir(), 'mente-keys-')));
  const started = await startGateway({
    port: 0,
    // Never called: no operation runs here.
    subgraphUrls: Object.fromEntries(SUBGRAPHS.map((s) => [s.name, 'http://127.0.0.1:9/graphql'])),
    security: {
      authenticate: createJwtVerifier({
        issuer: DEV_ISSUER,
        audience: DEV_AUDIENCE,
        publicKeyFile: keys.callerPublicKeyPath,
      }),
      internalPrivateKey: await loadPrivateKey(keys.internalPrivateKeyPath),
    },
    ...options,
  });
  gateways.push(started);
  return started;
}

afterAll(async () => {
  for (const g of gateways) await g.close();
});

const html = { accept: 'text/html' };

function scriptJson<T>(page: string, id: string): T {
  const match = new RegExp(`<script id="${id}" type="application/json">(.*?)</script>`, 's').exec(page);
  if (!match) throw new Error(`no #${id} in the page`);
  return JSON.parse(match[1]!) as T;
}

/** Every http(s) URL in a text. */
function urls(text: string): string[] {
  return [...text.matchAll(/https?:\/\/[^\s"'`<>)\\]*/g)].map((m) => m[0]);
}

describe('EXPLORER=auto (the default)', () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await gateway();
  });

  it('gives a browser at / Sandbox with the fallback to /explorer, and no web font or foreign favicon', async () => {
    const res = await fetch(`${gw.url}/`, { headers: html });
    expect(res.status).toBe(200);
    const page = await res.text();
    const config = scriptJson<{ script: string; fallback: boolean; explorer: string; sandbox: any }>(
      page,
      'landing-config',
    );
    expect(config).toMatchObject({ script: SANDBOX_SCRIPT_URL, fallback: true, explorer: '/explorer?from=sandbox' });
    expect(config.sandbox.initialState.document).toBe([...EXAMPLE_OPERATIONS, ...SIGNED_IN_OPERATIONS].join('\n\n'));
    expect(page).toContain('href="/explorer"');
    // The Sandbox script is the one foreign URL, and only inside the config the loader reads.
    expect(
      urls(page).filter((u) => !u.startsWith('https://embeddable-sandbox.') && !u.startsWith('https://sandbox.embed.')),
    ).toEqual([]);
  });

  it('answers a GET without text/html as Apollo Server does (no landing page, a GraphQL error)', async () => {
    const res = await fetch(`${gw.url}/`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('serves the local GraphiQL at /explorer: every example a tab, the sign-in hint, nothing from another host', async () => {
    const res = await fetch(`${gw.url}/explorer`, { headers: html });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('content-security-policy')).toContain("connect-src 'self'");
    const page = await res.text();
    const config = scriptJson<ExplorerConfig>(page, 'explorer-config');
    expect(config.endpoint).toBe('/');
    expect(config.tabs.map((t) => t.query)).toEqual([...EXAMPLE_OPERATIONS, ...SIGNED_IN_OPERATIONS]);
    expect(page).toContain('npm run token -- --role APPLICANT --person P000003');
    expect(page).toContain('Authorization');
    expect(urls(page)).toEqual([]);
    expect(page).not.toContain('fallback-reason');

    const fellBack = await (await fetch(`${gw.url}/explorer?from=sandbox&reason=timeout`)).text();
    expect(fellBack).toContain('Apollo Sandbox 加载超时，已切换到本地调试器');
    // The reason picks one of the page's own texts; what the URL says is never echoed.
    const odd = await (await fetch(`${gw.url}/explorer?from=sandbox&reason=%3Cb%3Eodd`)).text();
    expect(odd).not.toContain('odd');
    expect(odd).toContain('Apollo Sandbox 无法加载');
  });

  it('serves the bundle gzipped and cacheable for good, with fonts inlined and no URL that would be fetched', async () => {
    const page = await (await fetch(`${gw.url}/explorer`)).text();
    const js = /<script src="(\/explorer\/app\.js\?v=[0-9a-f]+)">/.exec(page)![1]!;
    const css = /<link rel="stylesheet" href="(\/explorer\/app\.css\?v=[0-9a-f]+)"/.exec(page)![1]!;
    const assets: Record<string, string> = {};
    for (const [name, url, type] of [
      ['js', js, 'text/javascript; charset=utf-8'],
      ['css', css, 'text/css; charset=utf-8'],
    ] as const) {
      // fetch unzips; content-encoding shows the bytes travelled gzipped.
      const res = await fetch(`${gw.url}${url}`, { headers: { 'accept-encoding': 'gzip' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(type);
      expect(res.headers.get('content-encoding')).toBe('gzip');
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      assets[name] = await res.text();
    }
    expect(assets.js!.length).toBeGreaterThan(100_000);
    expect(assets.js).toContain('graphiql');
    // Fonts ride along as data: URLs; the CSS names no other server at all.
    expect(assets.css).toMatch(/url\(data:font\/woff2;base64,/);
    expect(urls(assets.css!)).toEqual([]);
    // Literal host names only: "http://" + text in markdown-it's link normalizer names no server.
    const hosts = new Set(
      urls(assets.js!).flatMap((u) => /^https?:\/\/([a-z0-9-]+(?:\.[a-z0-9-]+)+)/i.exec(u)?.[1] ?? []),
    );
    expect([...hosts].filter((h) => !NON_FETCHED_HOSTS.includes(h))).toEqual([]);
    expect(hosts.size).toBeGreaterThan(0); // the scan itself works
    // An unversioned request is served too, but not cached for good; no gzip unless asked.
    const plain = await fetch(`${gw.url}/explorer/app.css`, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('cache-control')).toBe('no-cache');
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toBe(assets.css);
  });
});

describe('EXPLORER=sandbox and EXPLORER=graphiql', () => {
  it('sandbox: Sandbox at / without the automatic fallback; /explorer still there', async () => {
    const gw = await gateway({ explorer: 'sandbox' });
    const page = await (await fetch(`${gw.url}/`, { headers: html })).text();
    expect(scriptJson<{ fallback: boolean }>(page, 'landing-config').fallback).toBe(false);
    expect(page).toContain('href="/explorer"');
    expect((await fetch(`${gw.url}/explorer`)).status).toBe(200);
  });

  it('graphiql: the local GraphiQL at / at once, never a request to Apollo', async () => {
    const gw = await gateway({ explorer: 'graphiql' });
    const res = await fetch(`${gw.url}/`, { headers: html });
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(scriptJson<ExplorerConfig>(page, 'explorer-config').tabs).toHaveLength(7);
    expect(page).not.toContain('embeddable-sandbox');
    expect(urls(page)).toEqual([]);
  });

  it('reads EXPLORER from the environment and refuses anything else', () => {
    expect(gatewayConfigFromEnv({}).explorer).toBe('auto');
    expect(gatewayConfigFromEnv({ EXPLORER: 'graphiql' }).explorer).toBe('graphiql');
    expect(() => gatewayConfigFromEnv({ EXPLORER: 'graphql' })).toThrow(ConfigError);
    try {
      gatewayConfigFromEnv({ EXPLORER: 'graphql' });
    } catch (e) {
      expect((e as ConfigError).problems).toEqual(['EXPLORER must be one of auto, sandbox, graphiql; got "graphql"']);
    }
  });
});

describe('EXPOSE_SCHEMA=false', () => {
  it('serves neither explorer: no landing page at /, nothing at /explorer', async () => {
    const gw = await gateway({ exposeSchema: false });
    for (const url of ['/', '/explorer', '/explorer/app.js', '/explorer/app.css']) {
      const res = await fetch(`${gw.url}${url}`, { headers: html });
      expect([url, res.status, res.headers.get('content-type')]).toEqual([
        url,
        400,
        expect.stringMatching(/^application\/json/),
      ]);
      const body = await res.text();
      expect(body).not.toContain('graphiql');
      expect(body).not.toContain('embeddable-sandbox');
    }
  });
});
