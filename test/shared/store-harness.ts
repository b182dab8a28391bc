// What every store capability suite uses: a backend per test, names of its own, JSON that must
// round-trip exactly.
import type { StoreBackend } from '../../src/ports/store';

/**
 * JSON values a store must give back exactly as it got them (issue 10, defect 4: Redis's cjson
 * turned `[]` into `{}` and printed numbers with 14 digits). Read with JSON.parse, as a request body
 * is, so key order and `__proto__` as a plain key are what a client sent.
 */
export const TRICKY_JSON_TEXT = String.raw`{
  "list": [], "object": {}, "nested": [[], {}, [[]], [{}], {"a": []}, {"b": {}}, {"c": [[], [[]]]}],
  "maxSafe": 9007199254740991, "minSafe": -9007199254740991, "pi": 3.141592653589793, "tenth": 0.1,
  "third": 0.3333333333333333, "largeExponent": 1e308, "maxValue": 1.7976931348623157e308,
  "smallest": 5e-324, "negativeExponent": -1.5e-300, "e21": 1e21, "integerFloat": 1.0, "negativeZero": -0,
  "unicode": "h\u00e9llo w\u00f6rld \u2713 \ud83d\ude00 \ud834\udd1e \u4e2d\u6587 éè 😀",
  "escapes": "quote \" backslash \\ slash \/ \b\f\n\r\t nul \u0000 us \u001f del \u007f ls \u2028 ps \u2029",
  "loneSurrogates": "\ud800 \udfff",
  "keyOrder": {"zebra": 1, "apple": 2, "mango": 3, "": 4, "a.b": 5, "__proto__": 6, "Zebra": 7},
  "literals": [true, false, null, "", 0, -1],
  "deep": {"a": {"b": {"c": {"d": {"e": [1, [2, [3, [4, []]]]]}}}}}
}`;

/** A fresh copy of the tricky value. */
export const trickyValue = (): Record<string, unknown> => JSON.parse(TRICKY_JSON_TEXT) as Record<string, unknown>;

/**
 * Equal as JSON values, key order included: what a client gets when the value is serialized again
 * (-0 serializes as 0, so a store may give back either).
 */
export function expectSameJson(actual: unknown, expected: unknown): void {
  expect(JSON.stringify(actual, null, 1)).toBe(JSON.stringify(expected, null, 1));
}

export type MakeBackend = () => Promise<{ backend: StoreBackend; cleanup?: () => Promise<void> }>;

/** The backend of the current test, and a name no other test uses (for capabilities and keys). */
export interface Harness {
  backend(): StoreBackend;
  /** A name unique to this test, with `suffix`. */
  name(suffix?: string): string;
}

/** Opens a backend before each test and closes it after; the suite body gets at it through the harness. */
export function withBackend(make: MakeBackend): Harness {
  let backend: StoreBackend;
  let cleanup: (() => Promise<void>) | undefined;
  let prefix = '';
  beforeEach(async () => {
    ({ backend, cleanup } = await make());
    prefix = `t${Math.random().toString(36).slice(2)}`;
  });
  afterEach(async () => {
    await backend.close();
    await cleanup?.();
  });
  return { backend: () => backend, name: (suffix = '') => `${prefix}${suffix}` };
}
