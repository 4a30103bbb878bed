/** `npm run call -- --as WHO METHOD PATH [JSON]`: one signed request to `npm run serve` (infra/local/call-cli.ts). */
import { CALL_USAGE, CallUsageError, callCli } from '../infra/local/call-cli.js';

callCli(process.argv.slice(2))
  .then(({ exitCode, status, body }) => {
    console.log(typeof body === 'string' ? body : JSON.stringify(body, null, 2));
    if (exitCode !== 0) console.error(`HTTP ${status}`);
    process.exitCode = exitCode;
  })
  .catch((error: unknown) => {
    if (error instanceof CallUsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`${(error as Error).message}\n${CALL_USAGE}`);
      process.exitCode = 2;
      return;
    }
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
