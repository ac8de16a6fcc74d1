// What the explorer page hands its browser code (client.ts), as JSON in the page.

export interface ExplorerTab {
  query: string;
  variables?: string;
}

export interface ExplorerConfig {
  /** The GraphQL endpoint on the page's origin: the gateway serves GraphQL at / beside /explorer. */
  endpoint: string;
  tabs: ExplorerTab[];
}

/** EXPLORER: which explorer the landing page at / shows. */
export const EXPLORER_MODES = ['auto', 'sandbox', 'graphiql'] as const;
export type ExplorerMode = (typeof EXPLORER_MODES)[number];
