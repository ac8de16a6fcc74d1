import type { Identity } from '../subgraphs/kit/platform/auth/identity';

/** Per request at the gateway: the verified caller and the id that follows the request everywhere. */
export interface GatewayContext {
  identity: Identity;
  requestId: string;
}
