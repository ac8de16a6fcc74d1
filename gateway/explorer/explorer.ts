import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { type Request, type Response, Router } from 'express';

import { EXAMPLE_OPERATIONS, SIGNED_IN_OPERATIONS } from '../examples';
import { type ExplorerAsset, type ExplorerBundle, loadExplorerBundle } from './bundle';
import type { ExplorerConfig, ExplorerMode } from './config';
import { explorerHtml, type FallbackTimeouts, sandboxLandingHtml } from './pages';

// The gateway's explorers: Apollo Sandbox at / when it loads, a self-hosted GraphiQL at /explorer
// (no CDN, no web font: usable offline, in private networks and where foreign hosts are slow).

const EXPLORER_PATH = '/explorer';
const ASSET_BASE = `${EXPLORER_PATH}/`;

/** Every example operation as a tab: public policy first, then the signed-in ones. */
const EXPLORER_CONFIG: ExplorerConfig = {
  endpoint: '/',
  tabs: [...EXAMPLE_OPERATIONS, ...SIGNED_IN_OPERATIONS].map((query) => ({ query })),
};

let loading: Promise<ExplorerBundle> | undefined;

/** The bundle, built or read once per process; a failed build is retried on the next request. */
function explorerBundle(): Promise<ExplorerBundle> {
  loading ??= loadExplorerBundle().catch((e: unknown) => {
    loading = undefined;
    throw e;
  });
  return loading;
}

// Nothing but this gateway: a stray reference to another host would be blocked, not fetched.
const EXPLORER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  'font-src data:',
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'self'",
].join('; ');

async function renderExplorer(fallbackReason?: string): Promise<string> {
  const bundle = await explorerBundle();
  return explorerHtml({ config: EXPLORER_CONFIG, assetBase: ASSET_BASE, bundleKey: bundle.key, fallbackReason });
}

function sendAsset(req: Request, res: Response, asset: ExplorerAsset, key: string): void {
  res.setHeader('content-type', asset.contentType);
  res.setHeader('vary', 'accept-encoding');
  res.setHeader('x-content-type-options', 'nosniff');
  // The page asks for ?v=<bundle key>, which changes with every input: cache it for good.
  res.setHeader('cache-control', req.query.v === key ? 'public, max-age=31536000, immutable' : 'no-cache');
  if (req.acceptsEncodings('gzip') === 'gzip') {
    res.setHeader('content-encoding', 'gzip');
    res.end(asset.gzipped);
  } else res.end(asset.body);
}

/** GET /explorer (the page) and its two assets. Mounted only while the schema is exposed. */
export function explorerRouter(): Router {
  const router = Router();
  router.get(EXPLORER_PATH, async (req, res, next) => {
    try {
      const from = req.query.from === 'sandbox' ? String(req.query.reason ?? 'error') : undefined;
      const html = await renderExplorer(from);
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.setHeader('cache-control', 'no-cache');
      res.setHeader('content-security-policy', EXPLORER_CSP);
      res.setHeader('x-content-type-options', 'nosniff');
      res.end(html);
    } catch (e) {
      next(e);
    }
  });
  for (const [name, pick] of [
    ['app.js', (b: ExplorerBundle) => b.js],
    ['app.css', (b: ExplorerBundle) => b.css],
  ] as const) {
    router.get(`${ASSET_BASE}${name}`, async (req, res, next) => {
      try {
        const bundle = await explorerBundle();
        sendAsset(req, res, pick(bundle), bundle.key);
      } catch (e) {
        next(e);
      }
    });
  }
  return router;
}

/**
 * The landing page a browser gets at / (EXPLORER): `auto` tries Apollo Sandbox and falls back to
 * the local explorer, `sandbox` only tries Sandbox, `graphiql` is the local explorer at once.
 * Non-browser GETs are left to Apollo Server as before.
 */
export function explorerLandingPage<C extends BaseContext>(
  mode: ExplorerMode,
  timeouts?: FallbackTimeouts,
): ApolloServerPlugin<C> {
  const document = [...EXAMPLE_OPERATIONS, ...SIGNED_IN_OPERATIONS].join('\n\n');
  return {
    async serverWillStart() {
      return {
        async renderLandingPage() {
          if (mode === 'graphiql') return { html: () => renderExplorer() };
          const html = sandboxLandingHtml({
            document,
            explorerPath: EXPLORER_PATH,
            fallback: mode === 'auto',
            timeouts,
          });
          return {
            html: async () => {
              // Warm the bundle while Sandbox loads, so a fallback finds it ready instead of waiting for esbuild.
              if (mode === 'auto') explorerBundle().catch(() => {});
              return html;
            },
          };
        },
      };
    },
  };
}
