// What the explorer page hands its browser code (client.ts), as JSON in the page.

export interface ExplorerTab {
  query: string;
  variables?: string;
}

export interface ExplorerConfig {
  /** The GraphQL endpoint, relative to the page (the explorer at /explorer posts to /). */
  endpoint: string;
  tabs: ExplorerTab[];
}

/** EXPLORER: which explorer the landing page at / shows. */
export const EXPLORER_MODES = ['auto', 'sandbox', 'graphiql'] as const;
export type ExplorerMode = (typeof EXPLORER_MODES)[number];
