/**
 * Writes the signed sample request of every channel adapter to events/channels/<name>.json, signed
 * with the sandbox secrets so samples and secrets agree (an XLSX sample also as the .xlsx file). Run: `npx tsx shared/channels/write-samples.ts`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sandboxSecrets } from '../../infra/local/marketplace-sandbox.js';
import { buildChannelSamples } from './samples.js';

const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'events', 'channels');
mkdirSync(outDir, { recursive: true });
for (const [name, sample] of Object.entries(buildChannelSamples(sandboxSecrets()))) {
  writeFileSync(join(outDir, `${name}.json`), `${JSON.stringify(sample, null, 2)}\n`);
  console.log(`events/channels/${name}.json`);
  // Binary samples also as the file itself, for trying `npm run import` by hand.
  if (sample.bodyEncoding === 'base64' && sample.headers['content-type']?.includes('spreadsheetml')) {
    writeFileSync(join(outDir, `${name.replace(/-xlsx$/, '')}.xlsx`), Buffer.from(sample.body, 'base64'));
    console.log(`events/channels/${name.replace(/-xlsx$/, '')}.xlsx`);
  }
}
