/** `npm run stock -- report|adjust …`: a cooperative reports or adjusts stock (see infra/local/stock-cli.ts). */
import { STOCK_USAGE, stockCli, UsageError } from '../infra/local/stock-cli.js';

stockCli(process.argv.slice(2))
  .then(({ status, body }) => {
    console.log(JSON.stringify(body, null, 2));
    if (status >= 400) {
      console.error(`HTTP ${status}`);
      process.exitCode = 1;
    }
  })
  .catch((error: unknown) => {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`${(error as Error).message}\n${STOCK_USAGE}`);
      process.exitCode = 2;
      return;
    }
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
