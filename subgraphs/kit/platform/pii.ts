// Personal identifiers (PII), by job: identity and phone numbers (validation, masking), the vault
// (lookup hash and encryption at rest) and log redaction. Import from here.

export * from './pii/id-numbers';
export * from './pii/redaction';
export * from './pii/vault';
