import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { type BrowserContext, chromium, type Page, type Route } from 'playwright-core';

import { EXAMPLE_OPERATIONS, MY_RECORDS, PANZHIHUA_DUE_DATE, SIGNED_IN_OPERATIONS } from '../gateway/examples';
import { DEFAULT_FALLBACK_TIMEOUTS, SANDBOX_EMBED_ORIGIN, SANDBOX_SCRIPT_URL } from '../gateway/explorer/pages';
import { type Stack, startStack } from './harness';

// A real browser against the real stack, with every host but this machine unreachable (a private
// network): / must fall back from Apollo Sandbox to the local GraphiQL, which must run an example
// against the gateway. The system Chromium is used; no browser is ever downloaded.

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, 'artifacts');
const SANDBOX_HOST = new URL(SANDBOX_SCRIPT_URL).host;

let stack: Stack;
let context: BrowserContext;
let userDataDir: string;

/** Requests the page tried to send off this machine, in order. */
let blocked: string[];
/** Sandbox script requests held without an answer (a route that never completes). */
let stalled: Route[];
let stallSandbox: boolean;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install it (apt-get install -y chromium; .ci/run does). No browser is downloaded.`,
    );
  }
  stack = await startStack();
  userDataDir = mkdtempSync(path.join(os.tmpdir(), 'mente-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-gpu',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: 1400, height: 900 },
  });
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1' || url.hostname === 'localhost') return route.continue();
    blocked.push(url.href);
    if (stallSandbox && url.host === SANDBOX_HOST) stalled.push(route);
    else await route.abort('internetdisconnected');
  });
});

afterAll(async () => {
  for (const route of stalled ?? []) await route.abort().catch(() => {});
  await context?.close();
  await stack?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

beforeEach(() => {
  blocked = [];
  stalled = [];
  stallSandbox = false;
});

/** Console errors and uncaught exceptions, except the (expected) failed Sandbox script. */
function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.location().url.startsWith(`https://${SANDBOX_HOST}/`)) {
      errors.push(`${msg.text()} (${msg.location().url})`);
    }
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

/** The text of the response pane (CodeMirror renders the lines near the top; answers here are short). */
async function responseText(page: Page): Promise<string> {
  return (await page.locator('.result-window .CodeMirror-code').textContent()) ?? '';
}

async function openTab(page: Page, operationName: string): Promise<void> {
  await page.locator('.graphiql-tab', { hasText: operationName }).locator('.graphiql-tab-button').click();
  await page.locator('.graphiql-query-editor .CodeMirror-code', { hasText: `query ${operationName}` }).waitFor();
}

async function run(page: Page): Promise<void> {
  await page.locator('button.graphiql-execute-button').click();
}

async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, name);
  await page.screenshot({ path: file });
  console.log(`screenshot: ${file}`);
  return file;
}

describe('the explorer in a network that reaches nothing but the gateway', () => {
  it('falls back from Sandbox to the local GraphiQL, which runs an example against the gateway', async () => {
    const page = await context.newPage();
    const errors = collectErrors(page);
    await page.goto(`${stack.gateway.url}/`);
    await page.waitForURL(/\/explorer\?from=sandbox&reason=error$/, { timeout: 10_000 });
    await page.locator('#fallback-reason', { hasText: 'Apollo Sandbox 无法加载' }).waitFor();
    await page.locator('#hint', { hasText: 'npm run token -- --role APPLICANT --person P000003' }).waitFor();
    // Every example is a tab; the first one is open.
    await page.locator('.graphiql-tab', { hasText: 'RegionsOverview' }).waitFor();
    expect(await page.locator('.graphiql-tab').count()).toBe(7);

    await openTab(page, 'PanzhihuaDueDate');
    await run(page);
    const expected = (await stack.query(PANZHIHUA_DUE_DATE)).data.region;
    await page.locator('.result-window', { hasText: expected.dueDate.date }).waitFor({ timeout: 15_000 });
    const shown = await responseText(page);
    expect(shown).toContain(`"name": "${expected.name}"`);
    expect(shown).toContain('攀枝花');
    await screenshot(page, 'explorer-fallback.png');

    // The only request off this machine was Sandbox's script, tried once; the explorer asked no other host.
    expect(blocked).toEqual([SANDBOX_SCRIPT_URL]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('falls back when the Sandbox script stalls (an unreliable route abroad)', async () => {
    stallSandbox = true;
    const page = await context.newPage();
    const started = Date.now();
    await page.goto(`${stack.gateway.url}/`, { waitUntil: 'commit' });
    await page.waitForURL(/\/explorer\?from=sandbox&reason=timeout$/, { timeout: 15_000 });
    const waited = Date.now() - started;
    console.log(`fell back after ${waited} ms of a stalled Sandbox script`);
    expect(waited).toBeGreaterThanOrEqual(4_500);
    await page.locator('#fallback-reason', { hasText: '加载超时' }).waitFor();
    await page.locator('button.graphiql-execute-button').waitFor();
    expect(blocked).toEqual([SANDBOX_SCRIPT_URL]);
    await page.close();
  });

  it('sends the token pasted into Headers, so a signed-in example shows the caller’s own records', async () => {
    const page = await context.newPage();
    const errors = collectErrors(page);
    await page.goto(`${stack.gateway.url}/explorer`);
    await openTab(page, 'MyRecords');
    const token = await stack.token({ role: 'APPLICANT', personId: 'P000003' });
    // The headers editor is open by default (the page's sign-in hint points at it): paste into it.
    await page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror').click();
    await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${token}` }));
    await run(page);
    const expected = (await stack.query(MY_RECORDS, undefined, { token })).data.me;
    await page.locator('.result-window', { hasText: expected.idNumberMasked }).waitFor({ timeout: 15_000 });
    expect(await responseText(page)).toContain(`"name": "${expected.name}"`);
    await screenshot(page, 'explorer-signed-in.png');
    expect(blocked).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  // Apollo's servers cannot be reached from here, so a stand-in plays Sandbox: a script defining
  // EmbeddedSandbox that opens an iframe on Sandbox's origin, which answers (or not) like the real one.
  async function standInSandbox(page: Page, answers: boolean): Promise<void> {
    await page.route(SANDBOX_SCRIPT_URL, (route) =>
      route.fulfill({
        contentType: 'text/javascript',
        body: `window.EmbeddedSandbox = function (options) {
          window.sandboxOptions = options;
          var iframe = document.createElement('iframe');
          iframe.src = '${SANDBOX_EMBED_ORIGIN}/sandbox/explorer';
          document.querySelector(options.target).appendChild(iframe);
        };`,
      }),
    );
    await page.route(`${SANDBOX_EMBED_ORIGIN}/**`, (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<p>Sandbox stand-in</p>${answers ? "<script>parent.postMessage({ name: 'ExplorerListeningForHandshake' }, '*');</script>" : ''}`,
      }),
    );
    // Shorter deadlines than the served ones, so the test need not wait 15 s for the iframe.
    await page.route(`${stack.gateway.url}/`, async (route) => {
      const res = await route.fetch();
      const body = (await res.text()).replace(`"embedMs":${DEFAULT_FALLBACK_TIMEOUTS.embedMs}`, '"embedMs":1500');
      await route.fulfill({ response: res, body });
    });
  }

  it('stays on Sandbox when it loads and its iframe answers, handing it the examples and the endpoint', async () => {
    const page = await context.newPage();
    await standInSandbox(page, true);
    await page.goto(`${stack.gateway.url}/`);
    await page.frameLocator('#embeddableSandbox iframe').locator('text=Sandbox stand-in').waitFor();
    await page.waitForTimeout(2500); // past the (shortened) deadline for the iframe's answer
    expect(page.url()).toBe(`${stack.gateway.url}/`);
    const options = await page.evaluate(() => (globalThis as any).sandboxOptions);
    expect(options).toMatchObject({
      target: '#embeddableSandbox',
      initialEndpoint: `${stack.gateway.url}/`,
      endpointIsEditable: false,
      initialState: { document: [...EXAMPLE_OPERATIONS, ...SIGNED_IN_OPERATIONS].join('\n\n') },
    });
    expect(blocked).toEqual([]);
    await page.close();
  });

  it('falls back when Sandbox’s script loads but its iframe never answers', async () => {
    const page = await context.newPage();
    await standInSandbox(page, false);
    await page.goto(`${stack.gateway.url}/`);
    await page.waitForURL(/\/explorer\?from=sandbox&reason=embed-timeout$/, { timeout: 10_000 });
    await page.locator('#fallback-reason', { hasText: 'Apollo Sandbox 的页面没有响应' }).waitFor();
    expect(blocked).toEqual([]);
    await page.close();
  });
});
