/**
 * EventBridge event-pattern matching for the local runtime's in-process bus, so a rule routes an
 * event on a laptop exactly as it would on AWS. Semantics follow the EventBridge content-filtering
 * documentation and AWS's open-source matcher (aws/event-ruler), which EventBridge runs:
 *
 * - keys are ANDed; the values listed for one key are ORed; `$or` (at any level) ORs whole sub-patterns;
 * - a pattern value that is an object descends into the event; an array is a list of leaf matchers;
 * - an event array matches if any element matches, and objects inside arrays are matched one element
 *   at a time (fields from two different elements never combine into one match);
 * - only leaf values (strings, numbers, booleans, null) are matched: an object or an empty array in the
 *   event counts as absent, so `exists` applies to leaves only;
 * - a field missing from the event fails every matcher except `{"exists": false}`.
 */

/** A JSON scalar as it appears in an event, and as an exact-match value in a pattern. */
export type ExactMatch = string | number | boolean | null;

type IgnoreCase = { readonly 'equals-ignore-case': string };
type OneOrMoreStrings = string | readonly string[];

export type LowerBoundOperator = '>' | '>=';
export type UpperBoundOperator = '<' | '<=';
export type NumericOperator = '=' | LowerBoundOperator | UpperBoundOperator;

/** `["=", 5]`, `["<", 5]`, or a range such as `[">", 0, "<=", 5]`. */
export type NumericCondition =
  | readonly [NumericOperator, number]
  | readonly [LowerBoundOperator, number, UpperBoundOperator, number];

export type AnythingButCondition =
  | string
  | number
  | readonly string[]
  | readonly number[]
  | { readonly prefix: OneOrMoreStrings }
  | { readonly suffix: OneOrMoreStrings }
  | { readonly wildcard: OneOrMoreStrings }
  | { readonly 'equals-ignore-case': OneOrMoreStrings };

/** The operator objects EventBridge allows inside a field's list of matchers. */
export type ContentFilter =
  | { readonly prefix: string | IgnoreCase }
  | { readonly suffix: string | IgnoreCase }
  | { readonly 'equals-ignore-case': string }
  | { readonly 'anything-but': AnythingButCondition }
  | { readonly numeric: NumericCondition }
  | { readonly exists: boolean }
  | { readonly cidr: string }
  | { readonly wildcard: string };

export type FieldMatcher = ExactMatch | ContentFilter;

/**
 * An EventBridge event pattern. Each key maps to a nested pattern (an object) or to a non-empty list of
 * matchers (an array); the key `$or` maps to two or more sub-patterns.
 */
export interface EventPattern {
  readonly [field: string]: EventPattern | readonly FieldMatcher[] | readonly EventPattern[];
}

/** Thrown by {@link validatePattern}; `path` names the offending place, e.g. `detail.amount`. */
export class InvalidEventPatternError extends Error {
  readonly path: string;
  readonly reason: string;

  constructor(path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.name = 'InvalidEventPatternError';
    this.path = path;
    this.reason = reason;
  }
}

const OR_KEY = '$or';

/** EventBridge compares numbers with `numeric` only within ±5e9 (documented limit of numeric matching). */
const NUMERIC_LIMIT = 5e9;

/** Field names EventBridge refuses inside `$or` branches, because they read as operators there. */
const NAMES_RESERVED_IN_OR = new Set([
  'exactly',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  '=',
  '<',
  '<=',
  '>',
  '>=',
]);

const NUMERIC_OPERATORS = new Set<string>(['=', '<', '<=', '>', '>=']);
const ANYTHING_BUT_OPERATORS = ['prefix', 'suffix', 'wildcard', 'equals-ignore-case'] as const;

type JsonObject = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isList(value: unknown): value is readonly unknown[] {
  return Array.isArray(value);
}

function isExactMatch(value: unknown): value is ExactMatch {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

function toList(value: OneOrMoreStrings): readonly string[] {
  return typeof value === 'string' ? [value] : value;
}

// ---------------------------------------------------------------------------------------------
// Wildcards: `*` matches any run of characters (including none), `\*` is a literal asterisk and
// `\\` a literal backslash. Any other escape, and two unescaped `*` in a row, are invalid.
// ---------------------------------------------------------------------------------------------

type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** Splits a wildcard into the literal runs between its unescaped `*`. */
function parseWildcard(pattern: string): Parsed<readonly string[]> {
  const segments: string[] = [];
  let literal = '';
  let previousWasWildcard = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '\\') {
      const escaped = pattern[i + 1];
      if (escaped !== '*' && escaped !== '\\') {
        return {
          ok: false,
          reason: `wildcard has an invalid escape at position ${i}: only \\* and \\\\ are allowed`,
        };
      }
      literal += escaped;
      i++;
      previousWasWildcard = false;
    } else if (char === '*') {
      if (previousWasWildcard) {
        return { ok: false, reason: `wildcard has consecutive * at position ${i}` };
      }
      segments.push(literal);
      literal = '';
      previousWasWildcard = true;
    } else {
      literal += char;
      previousWasWildcard = false;
    }
  }
  segments.push(literal);
  return { ok: true, value: segments };
}

function matchesWildcard(pattern: string, value: string): boolean {
  const parsed = parseWildcard(pattern);
  if (!parsed.ok) return false;
  const segments = parsed.value;
  const first = segments[0] ?? '';
  if (segments.length === 1) return value === first;
  const last = segments[segments.length - 1] ?? '';
  if (value.length < first.length + last.length || !value.startsWith(first) || !value.endsWith(last)) {
    return false;
  }
  // Leftmost placement of each middle run is optimal when the only metacharacter is `*`.
  const end = value.length - last.length;
  let cursor = first.length;
  for (const segment of segments.slice(1, -1)) {
    const at = value.indexOf(segment, cursor);
    if (at === -1 || at + segment.length > end) return false;
    cursor = at + segment.length;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// IP addresses and CIDR blocks (IPv4 dotted quads, IPv6 hex groups with optional `::`).
// ---------------------------------------------------------------------------------------------

interface IpAddress {
  readonly bits: 32 | 128;
  readonly value: bigint;
}

interface CidrBlock extends IpAddress {
  readonly prefixLength: number;
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const head = groupsOf(halves[0] ?? '');
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  let groups: string[];
  if (halves.length === 2) {
    if (head.length + tail.length > 7) return undefined;
    groups = [...head, ...new Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
  } else {
    groups = head;
  }
  if (groups.length !== 8) return undefined;
  let value = 0n;
  for (const group of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    value = (value << 16n) | BigInt(Number.parseInt(group, 16));
  }
  return value;
}

function parseIp(text: string): IpAddress | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { bits: 32, value: v4 };
  const v6 = parseIpv6(text);
  if (v6 !== undefined) return { bits: 128, value: v6 };
  return undefined;
}

function parseCidr(text: string): Parsed<CidrBlock> {
  const parts = text.split('/');
  if (parts.length !== 2)
    return { ok: false, reason: 'cidr must be an address and a prefix length, like 10.0.0.0/24' };
  const [address = '', length = ''] = parts;
  if (!/^\d{1,3}$/.test(length))
    return { ok: false, reason: 'cidr prefix length must be a non-negative integer' };
  const ip = parseIp(address);
  if (ip === undefined) return { ok: false, reason: `cidr has an invalid IP address "${address}"` };
  const prefixLength = Number(length);
  if (prefixLength > ip.bits) {
    return {
      ok: false,
      reason: `cidr prefix length must be at most ${ip.bits} for IPv${ip.bits === 32 ? 4 : 6}`,
    };
  }
  const hostBits = BigInt(ip.bits - prefixLength);
  if ((ip.value >> hostBits) << hostBits !== ip.value) {
    return { ok: false, reason: `cidr ${text} has bits set after the first ${prefixLength}` };
  }
  return { ok: true, value: { ...ip, prefixLength } };
}

function isInCidr(cidr: string, value: string): boolean {
  const block = parseCidr(cidr);
  const ip = parseIp(value);
  if (!block.ok || ip === undefined || ip.bits !== block.value.bits) return false;
  const hostBits = BigInt(ip.bits - block.value.prefixLength);
  return ip.value >> hostBits === block.value.value >> hostBits;
}

// ---------------------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------------------

function compareNumber(operator: NumericOperator, value: number, operand: number): boolean {
  switch (operator) {
    case '=':
      return value === operand;
    case '<':
      return value < operand;
    case '<=':
      return value <= operand;
    case '>':
      return value > operand;
    case '>=':
      return value >= operand;
  }
}

function satisfiesNumeric(condition: NumericCondition, value: ExactMatch): boolean {
  if (typeof value !== 'number' || Math.abs(value) > NUMERIC_LIMIT) return false;
  if (!compareNumber(condition[0], value, condition[1])) return false;
  return condition.length === 2 || compareNumber(condition[2], value, condition[3]);
}

function startsWithIgnoreCase(value: string, prefix: string): boolean {
  return value.toLowerCase().startsWith(prefix.toLowerCase());
}

function endsWithIgnoreCase(value: string, suffix: string): boolean {
  return value.toLowerCase().endsWith(suffix.toLowerCase());
}

function equalsIgnoreCase(value: string, other: string): boolean {
  return value.toLowerCase() === other.toLowerCase();
}

/** Anything-but matches every present leaf (null, numbers and booleans included) that is not excluded. */
function satisfiesAnythingBut(condition: AnythingButCondition, value: ExactMatch): boolean {
  if (typeof condition === 'string' || typeof condition === 'number') return value !== condition;
  if (isList(condition)) return !(condition as readonly ExactMatch[]).includes(value);
  if (typeof value !== 'string') return true;
  if ('prefix' in condition) return !toList(condition.prefix).some((prefix) => value.startsWith(prefix));
  if ('suffix' in condition) return !toList(condition.suffix).some((suffix) => value.endsWith(suffix));
  if ('wildcard' in condition)
    return !toList(condition.wildcard).some((pattern) => matchesWildcard(pattern, value));
  return !toList(condition['equals-ignore-case']).some((other) => equalsIgnoreCase(value, other));
}

function satisfiesFilter(filter: ContentFilter, value: ExactMatch): boolean {
  if ('anything-but' in filter) return satisfiesAnythingBut(filter['anything-but'], value);
  if ('numeric' in filter) return satisfiesNumeric(filter.numeric, value);
  if ('exists' in filter) return false; // decided on the field as a whole, in matchesField
  if (typeof value !== 'string') return false; // every remaining operator applies to strings only
  if ('prefix' in filter) {
    const { prefix } = filter;
    return typeof prefix === 'string'
      ? value.startsWith(prefix)
      : startsWithIgnoreCase(value, prefix['equals-ignore-case']);
  }
  if ('suffix' in filter) {
    const { suffix } = filter;
    return typeof suffix === 'string'
      ? value.endsWith(suffix)
      : endsWithIgnoreCase(value, suffix['equals-ignore-case']);
  }
  if ('equals-ignore-case' in filter) return equalsIgnoreCase(value, filter['equals-ignore-case']);
  if ('cidr' in filter) return isInCidr(filter.cidr, value);
  return matchesWildcard(filter.wildcard, value);
}

/** Appends the leaf values of an event field: scalars, and scalars inside (nested) arrays. */
function collectLeaves(value: unknown, leaves: ExactMatch[]): ExactMatch[] {
  if (isList(value)) {
    for (const element of value) collectLeaves(element, leaves);
  } else if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) {
    leaves.push(value as ExactMatch);
  }
  return leaves;
}

function matchesField(matchers: readonly FieldMatcher[], value: unknown): boolean {
  const leaves = collectLeaves(value, []);
  return matchers.some((matcher) => {
    if (!isObject(matcher)) return leaves.includes(matcher);
    if ('exists' in matcher) return matcher.exists === leaves.length > 0;
    return leaves.some((leaf) => satisfiesFilter(matcher, leaf));
  });
}

/** Every element of a (nested) array, in order. */
function flatten(values: readonly unknown[]): unknown[] {
  return values.flatMap((value) => (isList(value) ? flatten(value) : [value]));
}

/** Matches one pattern object against one event node (an object, or anything else, read as "no fields"). */
function matchesNode(pattern: EventPattern, node: unknown): boolean {
  if (isList(node)) {
    const elements = flatten(node);
    if (elements.length === 0) return matchesFields(pattern, undefined);
    return elements.some((element) => matchesFields(pattern, isObject(element) ? element : undefined));
  }
  return matchesFields(pattern, isObject(node) ? node : undefined);
}

function matchesFields(pattern: EventPattern, object: JsonObject | undefined): boolean {
  return Object.entries(pattern).every(([key, sub]) => {
    if (key === OR_KEY) {
      return (sub as readonly EventPattern[]).some((branch) => matchesFields(branch, object));
    }
    // `undefined` is how a JS object says "absent"; JSON.stringify would drop it too.
    const value = object !== undefined && Object.hasOwn(object, key) ? object[key] : undefined;
    return isList(sub)
      ? matchesField(sub as readonly FieldMatcher[], value)
      : matchesNode(sub as EventPattern, value);
  });
}

/**
 * Whether `event` matches `pattern` as an EventBridge rule would decide it. The pattern is assumed
 * valid: check patterns from configuration or user input with {@link validatePattern} first.
 */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  return matchesFields(pattern, isObject(event) ? event : undefined);
}

// ---------------------------------------------------------------------------------------------
// Validation: rejects what EventBridge's PutRule would reject, naming the offending path.
// ---------------------------------------------------------------------------------------------

function fail(path: string, reason: string): never {
  throw new InvalidEventPatternError(path, reason);
}

function childPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function validateObject(pattern: unknown, path: string, insideOr: boolean): void {
  const where = path === '' ? '(root)' : path;
  if (!isObject(pattern)) fail(where, 'pattern must be a JSON object');
  const entries = Object.entries(pattern);
  if (entries.length === 0) fail(where, 'empty objects are not allowed');
  for (const [key, value] of entries) {
    const keyPath = childPath(path, key);
    if (key === OR_KEY) {
      validateOr(value, keyPath);
    } else if (insideOr && NAMES_RESERVED_IN_OR.has(key)) {
      fail(keyPath, `"${key}" is an operator name and cannot be a field name inside $or`);
    } else if (isList(value)) {
      if (value.length === 0) fail(keyPath, 'empty arrays are not allowed');
      for (const matcher of value) validateMatcher(matcher, keyPath);
    } else if (isObject(value)) {
      validateObject(value, keyPath, insideOr);
    } else {
      fail(keyPath, 'must be an object or an array');
    }
  }
}

function validateOr(branches: unknown, path: string): void {
  if (!isList(branches) || branches.length < 2) fail(path, '$or needs an array of at least two sub-patterns');
  branches.forEach((branch, index) => {
    const branchPath = `${path}[${index}]`;
    if (!isObject(branch)) fail(branchPath, 'each $or branch must be an object');
    validateObject(branch, branchPath, true);
  });
}

function validateMatcher(matcher: unknown, path: string): void {
  if (isObject(matcher)) {
    validateFilter(matcher, path);
  } else if (typeof matcher === 'number' && !Number.isFinite(matcher)) {
    fail(path, 'numbers must be finite');
  } else if (!isExactMatch(matcher)) {
    fail(path, 'match values must be a string, number, boolean, null or an operator object');
  }
}

function requireString(value: unknown, path: string, operator: string): asserts value is string {
  if (typeof value !== 'string') fail(path, `${operator} needs a string`);
}

function requireIgnoreCaseObject(value: unknown, path: string, operator: string): void {
  if (typeof value === 'string') return;
  if (!isObject(value) || Object.keys(value).length !== 1 || !('equals-ignore-case' in value)) {
    fail(path, `${operator} needs a string or {"equals-ignore-case": string}`);
  }
  requireString(value['equals-ignore-case'], path, `${operator} equals-ignore-case`);
}

function requireValidWildcard(value: unknown, path: string, operator: string): void {
  requireString(value, path, operator);
  const parsed = parseWildcard(value);
  if (!parsed.ok) fail(path, parsed.reason);
}

function validateFilter(filter: JsonObject, path: string): void {
  const keys = Object.keys(filter);
  if (keys.length !== 1) fail(path, `a match expression has exactly one operator, got ${keys.length}`);
  const operator = keys[0] ?? '';
  const operand = filter[operator];
  switch (operator) {
    case 'prefix':
    case 'suffix':
      requireIgnoreCaseObject(operand, path, operator);
      break;
    case 'equals-ignore-case':
      requireString(operand, path, operator);
      break;
    case 'cidr': {
      requireString(operand, path, operator);
      const parsed = parseCidr(operand);
      if (!parsed.ok) fail(path, parsed.reason);
      break;
    }
    case 'wildcard':
      requireValidWildcard(operand, path, operator);
      break;
    case 'exists':
      if (typeof operand !== 'boolean') fail(path, 'exists needs true or false');
      break;
    case 'numeric':
      validateNumeric(operand, path);
      break;
    case 'anything-but':
      validateAnythingBut(operand, path);
      break;
    default:
      fail(path, `unrecognized match type "${operator}"`);
  }
}

function requireComparableNumber(value: number, path: string, operator: string): void {
  if (!Number.isFinite(value) || Math.abs(value) > NUMERIC_LIMIT) {
    fail(path, `${operator} numbers must be between -${NUMERIC_LIMIT} and ${NUMERIC_LIMIT}`);
  }
}

function validateNumeric(condition: unknown, path: string): void {
  const isPairs =
    isList(condition) &&
    (condition.length === 2 || condition.length === 4) &&
    condition.every((item, index) => typeof item === (index % 2 === 0 ? 'string' : 'number'));
  if (!isPairs) fail(path, 'numeric needs operator/number pairs');
  const [first, bottom, second, top] = condition as readonly [string, number, string?, number?];
  for (const operator of second === undefined ? [first] : [first, second]) {
    if (!NUMERIC_OPERATORS.has(operator)) fail(path, `numeric has an unknown operator "${operator}"`);
  }
  requireComparableNumber(bottom, path, 'numeric');
  if (second === undefined || top === undefined) return;
  if ((first !== '>' && first !== '>=') || (second !== '<' && second !== '<=')) {
    fail(path, 'a numeric range is a lower bound (> or >=) followed by an upper bound (< or <=)');
  }
  requireComparableNumber(top, path, 'numeric');
  if (bottom >= top) fail(path, 'numeric lower bound must be less than the upper bound');
}

function validateAnythingBut(condition: unknown, path: string): void {
  if (typeof condition === 'string') return;
  if (typeof condition === 'number') {
    requireComparableNumber(condition, path, 'anything-but');
    return;
  }
  if (isList(condition)) {
    const allStrings = condition.every((item) => typeof item === 'string');
    const allNumbers = condition.every((item) => typeof item === 'number');
    if (condition.length === 0 || !(allStrings || allNumbers)) {
      fail(path, 'anything-but needs a non-empty list of only strings or only numbers');
    }
    if (allNumbers)
      for (const item of condition) requireComparableNumber(item as number, path, 'anything-but');
    return;
  }
  if (!isObject(condition))
    fail(path, 'anything-but needs a string, a number, a list of them, or an operator object');
  const keys = Object.keys(condition);
  const operator = ANYTHING_BUT_OPERATORS.find((name) => name === keys[0]);
  if (keys.length !== 1 || operator === undefined) {
    fail(path, `anything-but supports exactly one of ${ANYTHING_BUT_OPERATORS.join(', ')}`);
  }
  const operand = condition[operator];
  const values = isList(operand) ? operand : [operand];
  if (values.length === 0) fail(path, `anything-but ${operator} needs at least one value`);
  for (const value of values) {
    if (operator === 'wildcard') {
      requireValidWildcard(value, path, 'anything-but wildcard');
    } else {
      requireString(value, path, `anything-but ${operator}`);
      if (value === '' && (operator === 'prefix' || operator === 'suffix')) {
        fail(path, `anything-but ${operator} cannot be empty`);
      }
    }
  }
}

/**
 * Checks an untrusted pattern (parsed JSON) against EventBridge's rules for event patterns and
 * returns it typed; throws {@link InvalidEventPatternError} naming the first offending path.
 */
export function validatePattern(pattern: unknown): EventPattern {
  validateObject(pattern, '', false);
  return pattern as EventPattern;
}
