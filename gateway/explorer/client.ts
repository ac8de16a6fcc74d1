// Browser entry of the self-hosted explorer: GraphiQL, bundled by esbuild (gateway/explorer/bundle.ts).
// Runs in the browser only; the page hands it the example tabs as JSON (see pages.ts).
import 'graphiql/graphiql.css';

import { GraphiQL, type GraphiQLProps } from 'graphiql';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';

import type { ExplorerConfig } from './config';
import { operationNameFor } from './operation-name';

// The server build has no DOM typings (tsconfig lib ES2022); this is all the page code touches.
interface PageElement {
  textContent: string | null;
}
declare const document: { getElementById(id: string): PageElement | null };
declare const location: { href: string };

type Fetcher = GraphiQLProps['fetcher'];

/** POST JSON with content-type application/json: the gateway's CSRF prevention lets exactly this through. */
function postJsonFetcher(endpoint: string): Fetcher {
  return async (params, options) => {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json', ...options?.headers },
      body: JSON.stringify({ ...params, operationName: operationNameFor(params.query, params.operationName) }),
    });
    const text = await res.text();
    try {
      return JSON.parse(text);
    } catch {
      return { errors: [{ message: `HTTP ${res.status}: ${text.slice(0, 500)}` }] };
    }
  };
}

const config = JSON.parse(document.getElementById('explorer-config')?.textContent ?? '{}') as ExplorerConfig;
// The gateway's own origin: GraphQL is served at / next to /explorer.
const endpoint = new URL(config.endpoint, location.href).toString();
const container = document.getElementById('graphiql');
if (container) {
  createRoot(container).render(
    createElement(GraphiQL, {
      fetcher: postJsonFetcher(endpoint),
      defaultTabs: config.tabs,
      defaultQuery: config.tabs[0]?.query,
      isHeadersEditorEnabled: true,
      defaultEditorToolsVisibility: 'headers',
      // Tokens are personal and short-lived: never written to localStorage.
      shouldPersistHeaders: false,
    }),
  );
}
