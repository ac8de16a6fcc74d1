import type { Identity } from '../subgraphs/kit/auth/identity';

/** Per request at the gateway: the verified caller and the id that follows the request everywhere. */
export interface GatewayContext {
  identity: Identity;
  requestId: string;
  /** The request's internal token, signed once and sent with every subgraph fetch of the request. */
  internalToken?: Promise<string>;
}
