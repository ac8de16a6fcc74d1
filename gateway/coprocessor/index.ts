import { runUntilSignal } from '../../subgraphs/kit/platform/process';
import { DEV_AUDIENCE, DEV_ISSUER } from '../auth/jwt';
import { loadGatewaySecurity } from '../config';
import { startCoprocessor } from './coprocessor';

// `npm run coprocessor`: the Apollo Router coprocessor on COPROCESSOR_PORT (default 4010), next to
// the router. Keys and claims checks from the gateway's environment: INTERNAL_PRIVATE_KEY_FILE,
// JWT_ISSUER, JWT_AUDIENCE (development keys under .data/keys outside production).
runUntilSignal('coprocessor', async () => {
  const port = Number(process.env.COPROCESSOR_PORT ?? 4010);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`COPROCESSOR_PORT is not a port: ${port}`);
  const { internalPrivateKey } = await loadGatewaySecurity();
  const production = process.env.NODE_ENV === 'production';
  const server = await startCoprocessor({
    port,
    host: process.env.HOST ?? '127.0.0.1',
    internalPrivateKey,
    issuer: process.env.JWT_ISSUER ?? (production ? undefined : DEV_ISSUER),
    audience: process.env.JWT_AUDIENCE ?? (production ? undefined : DEV_AUDIENCE),
  });
  return { graphqlUrl: server.url, close: server.close };
});
