/**
 * Turning zod failures into `ValidationError`s that name each bad field in plain words, with the
 * path as the provider wrote it (`line_items[2].seller_sku`) and, where the source used one, its own
 * (e.g. Vietnamese) label.
 */
import { z } from 'zod';
import { type FieldIssue, ValidationError } from '../errors.js';

type Issue = z.core.$ZodIssue;

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
};

/** `['line_items', 2, 'seller_sku']` → `line_items[2].seller_sku` (with an optional prefix). */
export function fieldPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? 'body' : out;
}

function received(issue: Issue): string | undefined {
  return /received (\w+)/.exec(issue.message)?.[1];
}

function describe(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type': {
      if (received(issue) === 'undefined') return 'is missing';
      return `must be ${TYPE_WORDS[issue.expected] ?? issue.expected}`;
    }
    case 'invalid_union': {
      const alternatives = issue.errors.flat();
      if (alternatives.length > 0 && alternatives.every((i) => received(i) === 'undefined')) {
        return 'is missing';
      }
      const expected = alternatives
        .filter((i) => i.code === 'invalid_type' && i.path.length === 0)
        .map((i) => (i.code === 'invalid_type' ? (TYPE_WORDS[i.expected] ?? i.expected) : ''));
      return expected.length > 0
        ? `must be ${[...new Set(expected)].join(' or ')}`
        : 'has an unexpected form';
    }
    case 'too_small': {
      if (issue.origin === 'string') return 'must not be empty';
      if (issue.origin === 'array') return `must have at least ${issue.minimum} item(s)`;
      return issue.inclusive ? `must be at least ${issue.minimum}` : `must be greater than ${issue.minimum}`;
    }
    case 'too_big': {
      if (issue.origin === 'string') return `must be at most ${issue.maximum} characters`;
      if (issue.origin === 'array') return `must have at most ${issue.maximum} item(s)`;
      return `must be at most ${issue.maximum}`;
    }
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
      if (issue.format === 'datetime') {
        return 'must be an ISO 8601 date and time with its offset, e.g. 2026-06-15T09:30:00+07:00';
      }
      if (issue.format === 'regex') return 'is not in the expected format';
      return `is not in the expected format (${issue.format})`;
    case 'unrecognized_keys':
      return `has unexpected field(s) ${issue.keys.join(', ')}`;
    default:
      return issue.message;
  }
}

/** Plain-words field issues from a zod error; `labels` maps a field path to the source's own label. */
/**
 * A union (text or address object) whose value had the right shape but wrong contents is reported
 * by the contents (`buyer.address.ward: is missing`), not as "must be text".
 */
function flattenUnions(issues: readonly Issue[], base: readonly PropertyKey[] = []): Issue[] {
  const out: Issue[] = [];
  for (const issue of issues) {
    const path = [...base, ...issue.path];
    if (issue.code === 'invalid_union') {
      const matched = issue.errors.find((alt) => alt.length > 0 && alt.every((i) => i.path.length > 0));
      if (matched !== undefined) {
        out.push(...flattenUnions(matched, path));
        continue;
      }
    }
    out.push({ ...issue, path } as Issue);
  }
  return out;
}

export function issuesFromZod(
  error: z.ZodError,
  options: { prefix?: string; labels?: Record<string, string> } = {},
): FieldIssue[] {
  return flattenUnions(error.issues).map((issue) => {
    const field = fieldPath(issue.path, options.prefix);
    const label = options.labels?.[field];
    return label === undefined
      ? { field, message: describe(issue) }
      : { field, message: describe(issue), label };
  });
}

/** Parses with the schema or throws a ValidationError naming every bad field. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  options: { prefix?: string; labels?: Record<string, string> } = {},
): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(issuesFromZod(result.error, options));
  return result.data;
}

/** Epoch seconds or milliseconds → ISO 8601 (unambiguous for the normaliser). */
export function isoFromEpochSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

export function isoFromEpochMillis(millis: number): string {
  return new Date(millis).toISOString();
}

/** A provider id: kept as a string whether the JSON had `"123"` or `123` (see parseJsonLossless). */
export const idSchema = z.union([z.string().trim().min(1), z.number().int().nonnegative()]).transform(String);

/** A quantity or amount as the source gave it (the normaliser parses money and counts). */
export const numberLikeSchema = z.union([z.number(), z.string().trim().min(1)]);
