/**
 * Cooperatives' API keys in the local runtime. On AWS they are a Secrets Manager JSON map
 * (`cooperative-secrets`: key id → { secret, cooperativeId }); locally every seeded cooperative
 * has one derived from its id, so the scenario, the CLI and the tests can sign stock reports.
 */
import { createHmac } from 'node:crypto';

const LOCAL_MASTER = 'harvest-local-cooperative-keys-3b9e';

export const localCooperativeKeyId = (cooperativeId: string) => `coop-key-${cooperativeId}`;

export function localCooperativeKey(cooperativeId: string): { keyId: string; secret: string } {
  return {
    keyId: localCooperativeKeyId(cooperativeId),
    secret: createHmac('sha256', LOCAL_MASTER).update(cooperativeId).digest('hex'),
  };
}

/** The lookup the command API uses: key id → the cooperative it belongs to and its secret. */
export function localCooperativeKeys(keyId: string): { secret: string; cooperativeId: string } | undefined {
  if (!keyId.startsWith('coop-key-')) return undefined;
  const cooperativeId = keyId.slice('coop-key-'.length);
  if (!cooperativeId) return undefined;
  return { cooperativeId, secret: localCooperativeKey(cooperativeId).secret };
}
