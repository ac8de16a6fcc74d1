// Apollo Client 4's CommonJS build warns (lost cache data, missing fields) only when
// globalThis.__DEV__ is true at load time; import this before @apollo/client.
(globalThis as { __DEV__?: boolean }).__DEV__ = true;

export {};
