/** `npm run import -- --source postmart FILE.xlsx`: upload a spreadsheet export (see infra/local/import-cli.ts). */
import { importCli } from '../infra/local/import-cli.js';

importCli(process.argv.slice(2))
  .then(({ exitCode, lines }) => {
    const out = exitCode === 2 ? console.error : console.log;
    for (const line of lines) out(line);
    process.exitCode = exitCode;
  })
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
