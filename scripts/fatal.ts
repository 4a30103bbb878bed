/**
 * How the long-running scripts (start, serve) end on an error: a known, user-fixable problem
 * (Java missing, a bad configuration value) in one line; anything else with its stack.
 */
const ONE_LINE = new Set(['JavaMissingError', 'ConfigurationError']);

export function exitOnError(error: unknown): void {
  console.error(error instanceof Error ? (ONE_LINE.has(error.name) ? error.message : error.stack) : error);
  process.exitCode = 1;
}
