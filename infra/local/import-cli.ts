/**
 * The spreadsheet import CLI (`npm run import -- …`): reads a CSV or XLSX order export, signs it
 * with an import key and uploads it to `POST /v1/imports/spreadsheet` of a running API (the local
 * runtime from `npm run serve`, or AWS), then prints each order accepted, each duplicate, and each
 * rejected row with its row number and field.
 *
 *   npm run import -- --source postmart|voso|seller [--seller ID] [--url URL] [--key-id K --secret S] FILE.csv|FILE.xlsx
 *
 * `--source seller` (a direct seller's own sheet) needs `--seller ID`: whose order numbers these are.
 *
 * Exit codes: 0 every row imported (or already there, unchanged), 1 a row or order was rejected, an
 * order imported before was resent with other content (a "changed" duplicate: the change is not
 * applied), or the request failed, 2 a usage error (bad flag, missing file, unknown extension).
 */
import { cliClock } from './cli-clock.js';
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { parseArgs } from 'node:util';
import { signApiKeyRequest } from '../../shared/channels/api-key-auth.js';
import {
  CSV_CONTENT_TYPE,
  SPREADSHEET_SOURCES,
  XLSX_CONTENT_TYPE,
} from '../../shared/channels/spreadsheet.js';
import { sandboxSecrets } from './marketplace-sandbox.js';

export const DEFAULT_IMPORT_URL = 'http://127.0.0.1:3000';

export const IMPORT_USAGE = `Usage:
  npm run import -- --source ${SPREADSHEET_SOURCES.join('|')} [--seller ID] [--url URL] FILE.csv|FILE.xlsx
  --seller    with --source seller (required): the seller id whose sheet it is, e.g. vaithieu-local
  --url       the API (default ${DEFAULT_IMPORT_URL}, where npm run serve listens)
  --key-id K --secret S, or env HARVEST_IMPORT_KEY_ID, HARVEST_IMPORT_KEY_SECRET
              (default: the local runtime's sandbox import key)
  --format csv|xlsx   when the file name does not end in .csv or .xlsx`;

export class ImportUsageError extends Error {
  override readonly name = 'ImportUsageError';
}

export interface ImportCliResult {
  exitCode: 0 | 1 | 2;
  /** What the CLI printed, line by line (stdout). */
  lines: string[];
  status?: number;
  body?: unknown;
}

interface IngestAnswer {
  orders?: Array<{
    externalId: string;
    orderId: string;
    status: string;
    duplicate: boolean;
    changed?: boolean;
    message?: string;
    reasons?: string[];
  }>;
  rowErrors?: Array<{ row: number; field: string; label?: string; message: string }>;
  orderErrors?: Array<{
    externalId: string;
    errors: Array<{ field: string; label?: string; message: string }>;
  }>;
  errors?: Array<{ field: string; label?: string; message: string }>;
  message?: string;
}

const labelled = (e: { field: string; label?: string; message: string }) =>
  `${e.field}${e.label ? ` (${e.label})` : ''} ${e.message}`;

export async function importCli(
  argv: string[],
  options: { env?: NodeJS.ProcessEnv; now?: () => Date; fetch?: typeof fetch } = {},
): Promise<ImportCliResult> {
  const lines: string[] = [];
  try {
    return await run(argv, options, lines);
  } catch (error) {
    if (
      error instanceof ImportUsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      return { exitCode: 2, lines: [...lines, `error: ${(error as Error).message}`, IMPORT_USAGE] };
    }
    throw error;
  }
}

async function run(
  argv: string[],
  options: { env?: NodeJS.ProcessEnv; now?: () => Date; fetch?: typeof fetch },
  lines: string[],
): Promise<ImportCliResult> {
  const env = options.env ?? process.env;
  let now: () => Date;
  try {
    now = options.now ?? cliClock(env);
  } catch (error) {
    throw new ImportUsageError((error as Error).message);
  }
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      source: { type: 'string' },
      seller: { type: 'string' },
      url: { type: 'string' },
      'key-id': { type: 'string' },
      secret: { type: 'string' },
      format: { type: 'string' },
    },
  });
  const source = values.source;
  if (source === undefined) throw new ImportUsageError('--source is required');
  if (!(SPREADSHEET_SOURCES as readonly string[]).includes(source)) {
    throw new ImportUsageError(`--source must be one of ${SPREADSHEET_SOURCES.join(', ')}, got "${source}"`);
  }
  const seller = values.seller;
  if (source === 'seller' && seller === undefined)
    throw new ImportUsageError('--source seller needs --seller ID: the seller whose order numbers these are');
  if (source !== 'seller' && seller !== undefined)
    throw new ImportUsageError(`--seller goes with --source seller only (${source} orders have no seller)`);
  if (positionals.length !== 1) {
    throw new ImportUsageError(
      positionals.length === 0
        ? 'the file to import is missing'
        : `one file at a time, got ${positionals.length}`,
    );
  }
  const file = positionals[0]!;
  const extension = extname(file).toLowerCase();
  const format = values.format ?? (extension === '.csv' ? 'csv' : extension === '.xlsx' ? 'xlsx' : undefined);
  if (format !== 'csv' && format !== 'xlsx') {
    throw new ImportUsageError(
      values.format !== undefined
        ? `--format must be csv or xlsx, got "${values.format}"`
        : `cannot tell the format of "${basename(file)}": name it .csv or .xlsx, or pass --format (an .xls file must be saved as .xlsx first)`,
    );
  }
  const base = (values.url ?? env.HARVEST_URL ?? DEFAULT_IMPORT_URL).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+/.test(base))
    throw new ImportUsageError(`--url must be http(s)://host[:port], got "${base}"`);
  const sandboxKey = Object.entries(sandboxSecrets().importApiKeys)[0]!;
  const keyId = values['key-id'] ?? env.HARVEST_IMPORT_KEY_ID ?? (values.secret ? undefined : sandboxKey[0]);
  const secret =
    values.secret ?? env.HARVEST_IMPORT_KEY_SECRET ?? (values['key-id'] ? undefined : sandboxKey[1]);
  if (!keyId || !secret) throw new ImportUsageError('--key-id and --secret go together');

  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ImportUsageError(
      code === 'ENOENT'
        ? `no such file: ${file}`
        : code === 'EISDIR'
          ? `${file} is a folder`
          : `cannot read ${file}: ${code}`,
    );
  }

  const url = `${base}/v1/imports/spreadsheet?source=${encodeURIComponent(source)}${
    seller === undefined ? '' : `&seller=${encodeURIComponent(seller)}`
  }`;
  lines.push(
    `POST ${url}  (${basename(file)}, ${format.toUpperCase()}, ${bytes.length} bytes, key ${keyId})`,
  );
  const timestamp = Math.floor(now().getTime() / 1000);
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, {
      method: 'POST',
      headers: {
        'content-type': format === 'xlsx' ? XLSX_CONTENT_TYPE : `${CSV_CONTENT_TYPE}; charset=utf-8`,
        'x-api-key-id': keyId,
        'x-timestamp': String(timestamp),
        'x-signature': signApiKeyRequest(secret, timestamp, bytes),
      },
      body: bytes,
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    lines.push(`error: cannot reach ${base} (${cause}); is the API running (npm run serve)?`);
    return { exitCode: 1, lines };
  }
  const text = await response.text();
  let body: IngestAnswer;
  try {
    body = JSON.parse(text) as IngestAnswer;
  } catch {
    lines.push(`HTTP ${response.status}: ${text.slice(0, 500)}`);
    return { exitCode: 1, lines, status: response.status, body: text };
  }
  lines.push(`HTTP ${response.status}`);
  if (response.status >= 400) {
    lines.push(`refused: ${body.message ?? 'the upload was refused'}`);
    for (const e of body.errors ?? []) lines.push(`  rejected  ${labelled(e)}`);
    return { exitCode: 1, lines, status: response.status, body };
  }

  let accepted = 0;
  let duplicates = 0;
  let changed = 0;
  let rejected = 0;
  for (const order of body.orders ?? []) {
    const reasons = order.reasons?.length ? ` [${order.reasons.join(', ')}]` : '';
    if (order.status === 'rejected') {
      rejected++;
      lines.push(`  rejected  order ${order.externalId} → ${order.orderId} (rejected${reasons})`);
    } else if (order.duplicate && order.changed) {
      // Imported before with other content: the correction is not applied, the operator must act.
      changed++;
      lines.push(
        `  changed   order ${order.externalId} → ${order.orderId} (${order.status}) ${order.message ?? 'differs from the order imported before: changes are not applied'}`,
      );
    } else if (order.duplicate) {
      duplicates++;
      lines.push(
        `  duplicate order ${order.externalId} → ${order.orderId} (${order.status}, imported before)`,
      );
    } else {
      accepted++;
      lines.push(`  accepted  order ${order.externalId} → ${order.orderId} (${order.status}${reasons})`);
    }
  }
  for (const e of body.rowErrors ?? []) {
    rejected++;
    lines.push(`  rejected  row ${e.row}: ${labelled(e)}`);
  }
  for (const o of body.orderErrors ?? []) {
    rejected++;
    lines.push(`  rejected  order ${o.externalId}: ${o.errors.map(labelled).join('; ')}`);
  }
  lines.push(
    `${accepted} accepted, ${duplicates} duplicate, ${changed > 0 ? `${changed} changed duplicate (not applied), ` : ''}${rejected} rejected`,
  );
  return { exitCode: rejected > 0 || changed > 0 ? 1 : 0, lines, status: response.status, body };
}
