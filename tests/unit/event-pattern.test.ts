import { readFileSync } from 'node:fs';
import { sharedFile } from '../support/shared-dir.js';
import {
  type EventPattern,
  InvalidEventPatternError,
  matchesPattern,
  validatePattern,
} from '../../infra/local/event-pattern.js';

interface SharedCase {
  name: string;
  pattern: unknown;
  expected: boolean;
}

interface SharedCases {
  event: unknown;
  cases: SharedCase[];
}

const shared = JSON.parse(readFileSync(sharedFile('cases/eventbridge-patterns.json'), 'utf8')) as SharedCases;

describe('shared EventBridge cases', () => {
  test.each(shared.cases)('$name', ({ pattern, expected }) => {
    expect(matchesPattern(validatePattern(pattern), shared.event)).toBe(expected);
  });
});

// Parsed from JSON text on purpose: numbers such as 45000.0 arrive the way a real event carries them.
const orderAllocated: unknown = JSON.parse(`{
  "version": "0",
  "id": "7f1c2d9e-0000-4000-8000-000000000001",
  "detail-type": "OrderAllocated",
  "source": "harvest.orders",
  "account": "123456789012",
  "time": "2026-06-10T05:30:00Z",
  "region": "ap-southeast-1",
  "resources": [],
  "detail": {
    "orderId": "ORD-0001",
    "channel": "zalo",
    "status": "ALLOCATED",
    "weightKg": 25,
    "pricePerKgVnd": 45000.0,
    "weightText": "25",
    "isExport": true,
    "note": null,
    "emptyNote": "",
    "cooperative": { "code": "HTX-LUC-NGAN", "province": "Bắc Ninh" },
    "lines": [
      { "sku": "thieu-loai-1", "kg": 20 },
      { "sku": "thieu-loai-2", "kg": 5 }
    ],
    "tags": ["vip", "export"],
    "clientIp": "203.113.10.42",
    "clientIpV6": "2001:EE0:4F2A::1",
    "invoice": "invoice*final.pdf",
    "folder": "C:\\\\orders\\\\june",
    "hugeCount": 6000000000
  }
}`);

/** Validates first, as the local bus does with the topology's rules, then matches. */
function matches(pattern: EventPattern, event: unknown = orderAllocated): boolean {
  return matchesPattern(validatePattern(pattern), event);
}

function detail(field: string, matchers: EventPattern[string]): EventPattern {
  return { detail: { [field]: matchers } };
}

describe('exact values', () => {
  test.each<[string, EventPattern, boolean]>([
    ['string equals', { source: ['harvest.orders'] }, true],
    ['string differs', { source: ['harvest.stock'] }, false],
    ['strings are case-sensitive', { source: ['Harvest.Orders'] }, false],
    ['several values are ORed', { 'detail-type': ['OrderReceived', 'OrderAllocated'] }, true],
    ['keys are ANDed', { source: ['harvest.orders'], region: ['eu-west-1'] }, false],
    ['number equals number', detail('weightKg', [25]), true],
    ['number compares numerically (45000 vs 45000.0)', detail('pricePerKgVnd', [45000]), true],
    ['exponent form compares numerically', detail('weightKg', [2.5e1]), true],
    ['number never equals a numeric string', detail('weightText', [25]), false],
    ['numeric string never equals a number', detail('weightKg', ['25']), false],
    ['boolean equals boolean', detail('isExport', [true]), true],
    ['boolean never equals its string', detail('isExport', ['true']), false],
    ['null matches JSON null', detail('note', [null]), true],
    ['null does not match a missing field', detail('missing', [null]), false],
    ['null does not match an empty string', detail('emptyNote', [null]), false],
    ['empty string matches an empty string', detail('emptyNote', ['']), true],
    ['empty string does not match null', detail('note', ['']), false],
    ['missing field fails', detail('missing', ['ORD-0001']), false],
  ])('%s', (_name, pattern, expected) => {
    expect(matches(pattern)).toBe(expected);
  });
});

describe('nesting and arrays', () => {
  test.each<[string, EventPattern, boolean]>([
    ['nested object field', { detail: { cooperative: { code: ['HTX-LUC-NGAN'] } } }, true],
    ['nested object field differs', { detail: { cooperative: { code: ['HTX-TAN-YEN'] } } }, false],
    ['descending into a scalar finds no fields', { detail: { status: { code: ['ALLOCATED'] } } }, false],
    ['a leaf list never matches an object', detail('cooperative', ['HTX-LUC-NGAN']), false],
    ['event array matches if any element matches', detail('tags', ['export']), true],
    ['event array fails if no element matches', detail('tags', ['retail']), false],
    [
      'objects in an array are matched element by element',
      { detail: { lines: { sku: ['thieu-loai-2'] } } },
      true,
    ],
    ['fields of one element combine', { detail: { lines: { sku: ['thieu-loai-1'], kg: [20] } } }, true],
    [
      'fields of different elements never combine',
      { detail: { lines: { sku: ['thieu-loai-1'], kg: [5] } } },
      false,
    ],
  ])('%s', (_name, pattern, expected) => {
    expect(matches(pattern)).toBe(expected);
  });

  test('a field set to undefined in a JS event counts as absent', () => {
    const event = { detail: { market: undefined } };

    expect(matches(detail('market', [{ exists: false }]), event)).toBe(true);
    expect(matches(detail('market', [{ exists: true }]), event)).toBe(false);
  });
});

describe('prefix, suffix and equals-ignore-case', () => {
  test.each<[string, EventPattern, boolean]>([
    ['prefix', detail('orderId', [{ prefix: 'ORD-' }]), true],
    ['prefix is case-sensitive', detail('orderId', [{ prefix: 'ord-' }]), false],
    ['prefix ignores non-strings', detail('weightKg', [{ prefix: '2' }]), false],
    ['prefix equals-ignore-case', detail('orderId', [{ prefix: { 'equals-ignore-case': 'ord-' } }]), true],
    [
      'prefix equals-ignore-case miss',
      detail('orderId', [{ prefix: { 'equals-ignore-case': 'ref-' } }]),
      false,
    ],
    ['suffix', detail('invoice', [{ suffix: '.pdf' }]), true],
    ['suffix is case-sensitive', detail('invoice', [{ suffix: '.PDF' }]), false],
    ['suffix equals-ignore-case', detail('invoice', [{ suffix: { 'equals-ignore-case': '.PDF' } }]), true],
    [
      'suffix equals-ignore-case miss',
      detail('invoice', [{ suffix: { 'equals-ignore-case': '.CSV' } }]),
      false,
    ],
    ['equals-ignore-case', detail('channel', [{ 'equals-ignore-case': 'ZALO' }]), true],
    ['equals-ignore-case compares whole values', detail('channel', [{ 'equals-ignore-case': 'ZAL' }]), false],
    [
      'equals-ignore-case handles Vietnamese',
      { detail: { cooperative: { province: [{ 'equals-ignore-case': 'BẮC NINH' }] } } },
      true,
    ],
  ])('%s', (_name, pattern, expected) => {
    expect(matches(pattern)).toBe(expected);
  });
});

describe('anything-but', () => {
  test.each<[string, EventPattern, boolean]>([
    ['scalar string excluded', detail('status', [{ 'anything-but': 'ALLOCATED' }]), false],
    ['scalar string not excluded', detail('status', [{ 'anything-but': 'CANCELLED' }]), true],
    ['scalar number excluded', detail('weightKg', [{ 'anything-but': 25 }]), false],
    [
      'list of strings, value in list',
      detail('status', [{ 'anything-but': ['CANCELLED', 'ALLOCATED'] }]),
      false,
    ],
    [
      'list of strings, value not in list',
      detail('status', [{ 'anything-but': ['CANCELLED', 'REJECTED'] }]),
      true,
    ],
    ['list of numbers, value in list', detail('weightKg', [{ 'anything-but': [10, 25] }]), false],
    ['list of numbers, value not in list', detail('weightKg', [{ 'anything-but': [10, 20] }]), true],
    ['numbers compare numerically', detail('pricePerKgVnd', [{ 'anything-but': [45000] }]), false],
    ['matches a JSON null', detail('note', [{ 'anything-but': 'x' }]), true],
    ['does not match a missing field', detail('missing', [{ 'anything-but': 'x' }]), false],
    ['an array matches if some element is not excluded', detail('tags', [{ 'anything-but': 'vip' }]), true],
    [
      'an array fails if every element is excluded',
      detail('tags', [{ 'anything-but': ['vip', 'export'] }]),
      false,
    ],
    ['prefix excluded', detail('orderId', [{ 'anything-but': { prefix: 'ORD-' } }]), false],
    ['prefix not excluded', detail('orderId', [{ 'anything-but': { prefix: 'REF-' } }]), true],
    ['prefix list', detail('orderId', [{ 'anything-but': { prefix: ['REF-', 'ORD-'] } }]), false],
    ['suffix excluded', detail('invoice', [{ 'anything-but': { suffix: '.pdf' } }]), false],
    ['suffix not excluded', detail('invoice', [{ 'anything-but': { suffix: '.csv' } }]), true],
    ['wildcard excluded', detail('invoice', [{ 'anything-but': { wildcard: 'invoice*' } }]), false],
    ['wildcard not excluded', detail('invoice', [{ 'anything-but': { wildcard: '*.csv' } }]), true],
    [
      'equals-ignore-case excluded',
      detail('status', [{ 'anything-but': { 'equals-ignore-case': 'allocated' } }]),
      false,
    ],
    [
      'equals-ignore-case list not excluded',
      detail('status', [{ 'anything-but': { 'equals-ignore-case': ['cancelled', 'rejected'] } }]),
      true,
    ],
    ['string operators never exclude null', detail('note', [{ 'anything-but': { suffix: '.pdf' } }]), true],
  ])('%s', (_name, pattern, expected) => {
    expect(matches(pattern)).toBe(expected);
  });
});

describe('numeric', () => {
  test.each<[string, EventPattern, boolean]>([
    ['= equal', detail('weightKg', [{ numeric: ['=', 25] }]), true],
    ['= not equal', detail('weightKg', [{ numeric: ['=', 25.5] }]), false],
    ['= compares 45000 with 45000.0', detail('pricePerKgVnd', [{ numeric: ['=', 45000] }]), true],
    ['> excludes the bound', detail('weightKg', [{ numeric: ['>', 25] }]), false],
    ['>= includes the bound', detail('weightKg', [{ numeric: ['>=', 25] }]), true],
    ['< excludes the bound', detail('weightKg', [{ numeric: ['<', 25] }]), false],
    ['<= includes the bound', detail('weightKg', [{ numeric: ['<=', 25] }]), true],
    ['inside a range', detail('weightKg', [{ numeric: ['>', 20, '<=', 25] }]), true],
    ['outside a range', detail('weightKg', [{ numeric: ['>=', 0, '<', 25] }]), false],
    ['never matches a numeric string', detail('weightText', [{ numeric: ['=', 25] }]), false],
    ['matches any element of an array', { detail: { lines: { kg: [{ numeric: ['<', 10] }] } } }, true],
    ['ignores numbers beyond the documented ±5e9 limit', detail('hugeCount', [{ numeric: ['>', 0] }]), false],
  ])('%s', (_name, pattern, expected) => {
    expect(matches(pattern)).toBe(expected);
  });
});

describe('exists', () => {
  test.each<[string, EventPattern, boolean]>([
    ['true on a present leaf', detail('orderId', [{ exists: true }]), true],
    ['true on a missing field', detail('market', [{ exists: true }]), false],
    ['false on a missing field', detail('market', [{ exists: false }]), true],
    ['false on a present leaf', detail('orderId', [{ exists: false }]), false],
    ['true on a null leaf (null is a value)', detail('note', [{ exists: true }]), true],
    ['true on an object: exists applies to leaves only', detail('cooperative', [{ exists: true }]), false],
    ['false on an object: exists applies to leaves only', detail('cooperative', [{ exists: false }]), true],
    ['true on an empty array', { resources: [{ exists: true }] }, false],
    ['false on an empty array', { resources: [{ exists: false }] }, true],
    ['false below a missing parent', { detail: { shipment: { carrier: [{ exists: false }] } } }, true],
    ['true below a missing parent', { detail: { shipment: { carrier: [{ exists: true }] } } }, false],
    ['ORed with an exact value', detail('market', [{ exists: false }, 'EU']), true],
  ])('%s', (_name, pattern, expected) => {
    expect(matches(pattern)).toBe(expected);
  });
});

describe('cidr', () => {
  test.each<[string, EventPattern, boolean]>([
    ['IPv4 inside /24', detail('clientIp', [{ cidr: '203.113.10.0/24' }]), true],
    ['IPv4 outside /24', detail('clientIp', [{ cidr: '203.113.11.0/24' }]), false],
    ['IPv4 inside /20', detail('clientIp', [{ cidr: '203.113.0.0/20' }]), true],
    ['IPv4 /32 is one address', detail('clientIp', [{ cidr: '203.113.10.42/32' }]), true],
    ['IPv4 /32 other address', detail('clientIp', [{ cidr: '203.113.10.43/32' }]), false],
    ['IPv4 /0 is every IPv4 address', detail('clientIp', [{ cidr: '0.0.0.0/0' }]), true],
    ['IPv6 inside /32 (mixed case, :: form)', detail('clientIpV6', [{ cidr: '2001:ee0::/32' }]), true],
    ['IPv6 outside /32', detail('clientIpV6', [{ cidr: '2001:ee1::/32' }]), false],
    ['IPv6 /128 is one address', detail('clientIpV6', [{ cidr: '2001:ee0:4f2a:0:0:0:0:1/128' }]), true],
    ['IPv4 block never matches an IPv6 address', detail('clientIpV6', [{ cidr: '0.0.0.0/0' }]), false],
    ['IPv6 block never matches an IPv4 address', detail('clientIp', [{ cidr: '::/0' }]), false],
    ['a non-address string never matches', detail('orderId', [{ cidr: '0.0.0.0/0' }]), false],
  ])('%s', (_name, pattern, expected) => {
    expect(matches(pattern)).toBe(expected);
  });
});

describe('wildcard', () => {
  test.each<[string, EventPattern, boolean]>([
    ['trailing *', detail('orderId', [{ wildcard: 'ORD-*' }]), true],
    ['leading *', detail('orderId', [{ wildcard: '*-0001' }]), true],
    ['several *', detail('orderId', [{ wildcard: 'O*D*1' }]), true],
    ['* may match nothing', detail('orderId', [{ wildcard: 'ORD-0001*' }]), true],
    ['no * means the whole value', detail('orderId', [{ wildcard: 'ORD-000' }]), false],
    ['case-sensitive', detail('orderId', [{ wildcard: 'ord-*' }]), false],
    ['runs must appear in order', detail('orderId', [{ wildcard: '*0001*ORD*' }]), false],
    ['\\* is a literal asterisk', detail('invoice', [{ wildcard: 'invoice\\*final.pdf' }]), true],
    ['\\* then * ', detail('invoice', [{ wildcard: 'invoice\\**' }]), true],
    ['\\\\ is a literal backslash', detail('folder', [{ wildcard: 'C:\\\\orders\\\\*' }]), true],
    ['never matches a number', detail('weightKg', [{ wildcard: '*' }]), false],
  ])('%s', (_name, pattern, expected) => {
    expect(matches(pattern)).toBe(expected);
  });

  test('an escaped asterisk does not act as a wildcard', () => {
    const event = { detail: { invoice: 'invoice-final.pdf' } };

    expect(matches(detail('invoice', [{ wildcard: 'invoice\\*final.pdf' }]), event)).toBe(false);
    expect(matches(detail('invoice', [{ wildcard: 'invoice*final.pdf' }]), event)).toBe(true);
  });
});

describe('$or', () => {
  test.each<[string, EventPattern, boolean]>([
    [
      'top level, second branch matches',
      { $or: [{ source: ['harvest.stock'] }, { 'detail-type': ['OrderAllocated'] }] },
      true,
    ],
    [
      'top level, no branch matches',
      { $or: [{ source: ['harvest.stock'] }, { 'detail-type': ['PickupBooked'] }] },
      false,
    ],
    [
      'top level, a sibling key must match too',
      { account: ['999999999999'], $or: [{ source: ['harvest.orders'] }, { region: ['ap-southeast-1'] }] },
      false,
    ],
    [
      'top level with a matching sibling',
      { account: ['123456789012'], $or: [{ source: ['harvest.stock'] }, { region: ['ap-southeast-1'] }] },
      true,
    ],
    [
      'branches are full sub-patterns (all their keys must match)',
      {
        $or: [
          { source: ['harvest.orders'], detail: { status: ['CANCELLED'] } },
          { source: ['harvest.stock'], detail: { status: ['ALLOCATED'] } },
        ],
      },
      false,
    ],
    [
      'nested $or inside a branch',
      {
        $or: [
          { source: ['harvest.stock'] },
          { detail: { $or: [{ channel: ['shopee'] }, { cooperative: { code: [{ prefix: 'HTX-' }] } }] } },
        ],
      },
      true,
    ],
    [
      'inside detail, no branch matches',
      { detail: { $or: [{ market: [{ exists: true }] }, { isExport: [false] }] } },
      false,
    ],
  ])('%s', (_name, pattern, expected) => {
    expect(matches(pattern)).toBe(expected);
  });
});

describe('validatePattern', () => {
  test('returns a valid pattern unchanged', () => {
    const pattern = { source: ['harvest.orders'], detail: { weightKg: [{ numeric: ['>', 0, '<=', 100] }] } };

    expect(validatePattern(pattern)).toBe(pattern);
  });

  test('names the offending path in an InvalidEventPatternError', () => {
    const act = () => validatePattern({ detail: { amount: [{ numeric: ['>', 100, '<'] }] } });

    expect(act).toThrow(InvalidEventPatternError);
    expect(act).toThrow('detail.amount: numeric needs operator/number pairs');
  });

  test('exposes the path and reason separately', () => {
    let caught: unknown;
    try {
      validatePattern({ detail: { tags: [] } });
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(Error);
    expect(caught).toMatchObject({
      name: 'InvalidEventPatternError',
      path: 'detail.tags',
      reason: 'empty arrays are not allowed',
    });
  });

  test.each<[string, unknown, string]>([
    ['a pattern that is not an object', ['source'], '(root): pattern must be a JSON object'],
    ['an empty pattern', {}, '(root): empty objects are not allowed'],
    ['an empty nested object', { detail: {} }, 'detail: empty objects are not allowed'],
    ['a bare scalar value', { source: 'harvest.orders' }, 'source: must be an object or an array'],
    ['an empty value list', { source: [] }, 'source: empty arrays are not allowed'],
    ['a nested array value', { source: [['harvest.orders']] }, 'source: match values must be'],
    [
      'an unknown operator',
      { source: [{ contains: 'orders' }] },
      'source: unrecognized match type "contains"',
    ],
    [
      'two operators in one object',
      { source: [{ prefix: 'a', suffix: 'b' }] },
      'exactly one operator, got 2',
    ],
    ['a non-string prefix', { source: [{ prefix: 5 }] }, 'source: prefix needs a string'],
    [
      'prefix with another nested operator',
      { source: [{ prefix: { wildcard: 'a*' } }] },
      'prefix needs a string or',
    ],
    [
      'numeric with a string operand',
      { detail: { kg: [{ numeric: ['>', '5'] }] } },
      'detail.kg: numeric needs operator/number pairs',
    ],
    [
      'numeric that is not an array',
      { detail: { kg: [{ numeric: 5 }] } },
      'detail.kg: numeric needs operator/number pairs',
    ],
    [
      'numeric with an unknown operator',
      { detail: { kg: [{ numeric: ['=>', 5] }] } },
      'unknown operator "=>"',
    ],
    [
      'numeric range in the wrong order',
      { detail: { kg: [{ numeric: ['<', 5, '>', 1] }] } },
      'lower bound (> or >=)',
    ],
    ['numeric range with = ', { detail: { kg: [{ numeric: ['=', 1, '<', 5] }] } }, 'lower bound (> or >=)'],
    [
      'numeric range bottom above top',
      { detail: { kg: [{ numeric: ['>', 10, '<', 5] }] } },
      'less than the upper bound',
    ],
    [
      'numeric beyond ±5e9',
      { detail: { kg: [{ numeric: ['>', 6e9] }] } },
      'between -5000000000 and 5000000000',
    ],
    [
      'exists that is not a boolean',
      { detail: { kg: [{ exists: 'yes' }] } },
      'detail.kg: exists needs true or false',
    ],
    [
      'anything-but mixing strings and numbers',
      { s: [{ 'anything-but': ['a', 1] }] },
      'only strings or only numbers',
    ],
    ['anything-but empty list', { s: [{ 'anything-but': [] }] }, 'only strings or only numbers'],
    ['anything-but null', { s: [{ 'anything-but': null }] }, 's: anything-but needs'],
    [
      'anything-but unsupported operator',
      { s: [{ 'anything-but': { numeric: ['>', 1] } }] },
      'supports exactly one of',
    ],
    [
      'anything-but empty prefix',
      { s: [{ 'anything-but': { prefix: '' } }] },
      'anything-but prefix cannot be empty',
    ],
    ['anything-but bad wildcard', { s: [{ 'anything-but': { wildcard: ['a**'] } }] }, 'consecutive *'],
    [
      'wildcard with consecutive *',
      { s: [{ wildcard: 'a**b' }] },
      's: wildcard has consecutive * at position 2',
    ],
    ['wildcard with an unknown escape', { s: [{ wildcard: 'a\\d' }] }, 'invalid escape at position 1'],
    ['wildcard ending in a backslash', { s: [{ wildcard: 'a\\' }] }, 'invalid escape'],
    [
      'cidr without a prefix length',
      { ip: [{ cidr: '10.0.0.1' }] },
      'ip: cidr must be an address and a prefix length',
    ],
    ['cidr with a bad address', { ip: [{ cidr: '10.0.0.256/24' }] }, 'invalid IP address "10.0.0.256"'],
    ['cidr with a bad IPv6 address', { ip: [{ cidr: '2001:::1/64' }] }, 'invalid IP address "2001:::1"'],
    ['cidr prefix longer than the address', { ip: [{ cidr: '10.0.0.0/33' }] }, 'at most 32 for IPv4'],
    ['cidr with host bits set', { ip: [{ cidr: '10.0.0.15/24' }] }, 'has bits set after the first 24'],
    ['$or that is not an array', { $or: { source: ['a'] } }, '$or: $or needs an array of at least two'],
    ['$or with one branch', { $or: [{ source: ['a'] }] }, '$or needs an array of at least two'],
    [
      '$or with a non-object branch',
      { $or: [{ source: ['a'] }, ['b']] },
      '$or[1]: each $or branch must be an object',
    ],
    [
      'an invalid matcher inside a $or branch',
      { detail: { $or: [{ a: ['x'] }, { b: [{ numeric: [] }] }] } },
      'detail.$or[1].b: numeric needs',
    ],
    [
      'an operator name as a field inside $or',
      { $or: [{ prefix: ['a'] }, { source: ['b'] }] },
      '$or[0].prefix: "prefix" is an operator name',
    ],
  ])('rejects %s', (_name, pattern, message) => {
    expect(() => validatePattern(pattern)).toThrow(message);
  });

  test('allows operator names as ordinary field names outside $or', () => {
    expect(() => validatePattern({ detail: { prefix: ['ORD-'] } })).not.toThrow();
  });
});
