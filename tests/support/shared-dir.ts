/**
 * The project's shared folder (`../shared` beside the repository: DESIGN.md, DOMAIN.md, cases/),
 * which CI lays next to the clone. HARVEST_SHARED_DIR overrides it for a clone kept elsewhere.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '../..');

export function sharedFile(relative: string): string {
  const base = process.env.HARVEST_SHARED_DIR ?? path.resolve(repoRoot, '../shared');
  const file = path.join(base, relative);
  if (!existsSync(file)) {
    throw new Error(
      `${relative} not found in ${base}: the shared folder lives beside the repository (../shared); set HARVEST_SHARED_DIR if yours is elsewhere`,
    );
  }
  return file;
}
