/**
 * Structured JSON logs (Powertools Logger) with personal data masked on the way out: buyer names,
 * phones and addresses must never reach CloudWatch or a terminal in clear (Vietnam's PDPL).
 */
import { Logger } from '@aws-lambda-powertools/logger';

/** Keys whose values are personal data wherever they appear in a log entry. */
const PERSONAL_KEYS = new Set([
  'name',
  'buyername',
  'phone',
  'phonee164',
  'phonenational',
  'to_phone',
  'to_name',
  'to_address',
  'address',
  'addressraw',
  'street',
  'contact',
  'buyer',
  'recipient_address',
]);

const ERROR_NAME = /^[A-Z][A-Za-z0-9]*(Error|Exception)$/;

export function maskValue(value: unknown): unknown {
  if (typeof value === 'string') {
    if (value.length <= 4) return '***';
    return `${value.slice(0, 2)}***${value.slice(-2)}`;
  }
  if (value === null || value === undefined) return value;
  return '***';
}

/** JSON.stringify replacer that masks personal keys at any depth. */
export function personalDataReplacer(this: unknown, key: string, value: unknown): unknown {
  // An error's `name` (e.g. StaleRequestError) is not a person's. The logger's formatter does not
  // always call the replacer with the error as `this`, so an error class name is also known by
  // its shape: one identifier ending in Error or Exception (no person is named like that).
  const inError = typeof this === 'object' && this !== null && 'stack' in this;
  if (key && PERSONAL_KEYS.has(key.toLowerCase())) {
    const errorName = key === 'name' && (inError || (typeof value === 'string' && ERROR_NAME.test(value)));
    if (!errorName) return maskValue(value);
  }
  return value;
}

export function createLogger(serviceName: string, options: { logLevel?: string } = {}): Logger {
  return new Logger({
    serviceName,
    logLevel: (options.logLevel ?? process.env.LOG_LEVEL ?? 'INFO') as 'INFO',
    jsonReplacerFn: personalDataReplacer,
  });
}
