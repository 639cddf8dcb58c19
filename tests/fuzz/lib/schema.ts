import fc from 'fast-check';
import {
  anyCodeUnits,
  DEEP,
  fieldHints,
  hostileDates,
  hostileNumbers,
  hostileStrings,
  longStrings,
  wrongTypes,
} from './hostile.js';
import { deepJson } from './json.js';

/**
 * fast-check arbitraries from JSON Schema (the TypeBox output in the merged OpenAPI document).
 *
 *  - `valid(schema)`: values the schema accepts (types, bounds, enums, patterns, formats, required
 *    and optional properties). Fields whose name says what they hold also get `fieldHints`.
 *  - `invalid(schema)`: boundary values (at and one past each limit), hostile values (NUL, lone
 *    surrogates, huge numbers, deep nesting, wrong types) and structural breakage (a required
 *    property missing, unknown properties, one nested field invalid).
 *  - `fuzz(schema)`: half and half, so that many requests get past validation into the domain code.
 *
 * No npm package does this for fast-check 4: json-schema-fast-check (the only one) needs
 * fast-check 1 and faker 4.
 */

export type JsonSchema = { [keyword: string]: unknown } | boolean;
type SchemaObject = { [keyword: string]: unknown };

/** JSON Schema keywords this generator understands; `$ref`s are resolved against `root`. */
export class SchemaArbitraries {
  constructor(private readonly root: unknown) {}

  /** Follows `$ref: "#/…"` pointers (nested ones too). */
  resolve(schema: JsonSchema): SchemaObject {
    if (typeof schema === 'boolean') return schema ? {} : { not: {} };
    let current: SchemaObject = schema;
    for (let hops = 0; typeof current.$ref === 'string' && hops < 32; hops += 1) {
      const ref = current.$ref as string;
      if (!ref.startsWith('#/')) throw new Error(`unsupported $ref ${ref}`);
      let target: unknown = this.root;
      for (const part of ref.slice(2).split('/')) {
        target = (target as Record<string, unknown>)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
      }
      if (target === undefined) throw new Error(`unresolved $ref ${ref}`);
      const { $ref: _ref, ...siblings } = current;
      current = { ...(target as SchemaObject), ...siblings };
    }
    return current;
  }

  /** Valid or not, half and half. */
  fuzz(schema: JsonSchema, name?: string): fc.Arbitrary<unknown> {
    return fc.oneof({ weight: 1, arbitrary: this.valid(schema, name) }, { weight: 1, arbitrary: this.invalid(schema, name) });
  }

  valid(input: JsonSchema, name?: string): fc.Arbitrary<unknown> {
    const schema = this.resolve(input);
    if ('const' in schema) return fc.constant(schema.const);
    if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
    const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
    if (Array.isArray(alternatives)) {
      const { anyOf: _a, oneOf: _o, ...rest } = schema;
      return fc.oneof(...alternatives.map((alternative) => this.valid({ ...rest, ...this.resolve(alternative) }, name)));
    }
    if (Array.isArray(schema.allOf)) {
      const { allOf, ...rest } = schema;
      return this.valid(mergeAll([rest, ...(allOf as JsonSchema[]).map((part) => this.resolve(part))]), name);
    }
    const types = typesOf(schema);
    if (schema.nullable === true && !types.includes('null')) types.push('null');
    if (types.length === 0) return anyJson;
    const arbitraries = types.map((type) => this.validOfType(schema, type, name));
    return arbitraries.length === 1 ? (arbitraries[0] as fc.Arbitrary<unknown>) : fc.oneof(...arbitraries);
  }

  /** Boundary, hostile and structurally broken values. */
  invalid(input: JsonSchema, name?: string): fc.Arbitrary<unknown> {
    const schema = this.resolve(input);
    const choices: fc.WeightedArbitrary<unknown>[] = [
      { weight: 3, arbitrary: this.boundary(schema, name) },
      { weight: 3, arbitrary: hostile },
    ];
    const types = typesOf(schema);
    if (types.includes('object') && schema.properties) choices.push({ weight: 5, arbitrary: this.brokenObject(schema) });
    if (types.includes('array') && schema.items) choices.push({ weight: 3, arbitrary: this.brokenArray(schema) });
    return fc.oneof(...choices);
  }

  /** Values at and just past each limit the schema states. */
  boundary(input: JsonSchema, name?: string): fc.Arbitrary<unknown> {
    const schema = this.resolve(input);
    const types = typesOf(schema);
    const values: unknown[] = [];
    const arbitraries: fc.Arbitrary<unknown>[] = [];
    if (Array.isArray(schema.enum) || 'const' in schema || schema.anyOf || schema.oneOf) {
      const known = [
        ...((schema.enum as unknown[] | undefined) ?? []),
        ...('const' in schema ? [schema.const] : []),
        ...enumValuesOf(schema, this),
      ];
      for (const value of known) {
        if (typeof value !== 'string') continue;
        values.push(value.toUpperCase(), value.toLowerCase(), ` ${value}`, `${value} `, `${value}\u0000`, value.normalize('NFD') + '\u0301');
      }
      values.push('', 'other');
    }
    if (types.includes('string')) {
      const min = numberOr(schema.minLength, 0);
      const max = numberOr(schema.maxLength, undefined);
      values.push('');
      if (min > 0) values.push('x'.repeat(min - 1), 'x'.repeat(min));
      if (max !== undefined) {
        values.push('x'.repeat(max), 'x'.repeat(max + 1));
        if (max <= 20_000) values.push('ä'.repeat(max), '😀'.repeat(max), '😀'.repeat(max + 1), `${'x'.repeat(max - 1)}\u0000`);
      } else values.push(...longStrings);
      if (schema.format === 'date-time' || schema.format === 'date') values.push(...hostileDates);
      if (schema.format === 'uuid') {
        values.push(
          '00000000-0000-0000-0000-000000000000',
          'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
          '{00000000-0000-0000-0000-000000000000}',
          '00000000000000000000000000000000',
          '00000000-0000-0000-0000-00000000000g',
        );
      }
      if (typeof schema.pattern === 'string') arbitraries.push(this.nearPattern(schema.pattern));
    }
    if (types.includes('integer') || types.includes('number')) {
      const min = numberOr(schema.minimum, undefined);
      const max = numberOr(schema.maximum, undefined);
      const exclusiveMin = numberOr(schema.exclusiveMinimum, undefined);
      const exclusiveMax = numberOr(schema.exclusiveMaximum, undefined);
      for (const limit of [min, max, exclusiveMin, exclusiveMax]) {
        if (limit === undefined) continue;
        values.push(limit, limit - 1, limit + 1, limit - 0.5, limit + 0.5, limit + Number.EPSILON * Math.max(1, Math.abs(limit)));
      }
      values.push(...hostileNumbers);
      // The same numbers as strings: JSON bodies must not coerce them, query strings must parse them.
      for (const limit of [min, max]) if (limit !== undefined) values.push(String(limit), String(limit + 1));
    }
    if (types.includes('array')) {
      const item = schema.items as JsonSchema | undefined;
      const minItems = numberOr(schema.minItems, 0);
      const maxItems = numberOr(schema.maxItems, undefined);
      values.push([]);
      if (item) {
        const validItem = this.valid(item);
        if (minItems > 1) arbitraries.push(fc.array(validItem, { minLength: minItems - 1, maxLength: minItems - 1 }));
        if (maxItems !== undefined) arbitraries.push(fc.array(validItem, { minLength: maxItems + 1, maxLength: maxItems + 1 }));
        // Duplicates (uniqueItems), and far too many items.
        arbitraries.push(validItem.map((value) => [value, value]));
        arbitraries.push(validItem.map((value) => Array.from({ length: 10_000 }, () => value)));
      }
    }
    if (types.includes('object')) {
      values.push({});
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const maxProperties = numberOr(schema.maxProperties, undefined);
      if (maxProperties !== undefined) {
        values.push(Object.fromEntries(Array.from({ length: maxProperties + 1 }, (_, i) => [`k${i}`, i])));
      }
      if (Object.keys(properties).length > 0) {
        // Every optional property present.
        arbitraries.push(fc.record(Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, this.valid(value, key)]))));
      }
    }
    if (types.includes('boolean')) values.push('true', 'false', 0, 1, 'yes', '');
    if (name && fieldHints[name]) values.push(...fieldHints[name]);
    if (values.length > 0) arbitraries.push(fc.constantFrom(...values));
    return arbitraries.length === 0 ? hostile : fc.oneof(...arbitraries);
  }

  private validOfType(schema: SchemaObject, type: string, name?: string): fc.Arbitrary<unknown> {
    switch (type) {
      case 'string':
        return this.validString(schema, name);
      case 'integer':
        return validInteger(schema);
      case 'number':
        return validNumber(schema);
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      case 'array':
        return this.validArray(schema);
      case 'object':
        return this.validObject(schema);
      default:
        return anyJson;
    }
  }

  private validString(schema: SchemaObject, name?: string): fc.Arbitrary<unknown> {
    const minLength = numberOr(schema.minLength, 0);
    const maxLength = numberOr(schema.maxLength, undefined);
    const fits = (text: string) => {
      const length = [...text].length;
      return length >= minLength && (maxLength === undefined || length <= maxLength);
    };
    let base: fc.Arbitrary<string>;
    if (schema.format === 'date-time') base = dateTime;
    else if (schema.format === 'date') base = dateTime.map((text) => text.slice(0, 10));
    else if (schema.format === 'uuid') base = fc.uuid();
    else if (schema.format === 'email') base = fc.emailAddress();
    else if (schema.format === 'uri') base = fc.webUrl();
    else if (typeof schema.pattern === 'string') {
      base = matching(schema.pattern).filter(fits);
    } else {
      const cap = Math.min(maxLength ?? minLength + 64, minLength + 64);
      base = fc.oneof(
        { weight: 3, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength, maxLength: cap }) },
        { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength, maxLength: cap }) },
        { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength, maxLength: cap }).filter(fits) },
      );
    }
    const hints = name ? fieldHints[name]?.filter(fits) : undefined;
    if (hints && hints.length > 0) return fc.oneof({ weight: 2, arbitrary: base }, { weight: 1, arbitrary: fc.constantFrom(...hints) });
    return base;
  }

  private validArray(schema: SchemaObject): fc.Arbitrary<unknown> {
    const item = (schema.items ?? {}) as JsonSchema;
    const minLength = numberOr(schema.minItems, 0);
    const maxLength = Math.max(minLength, Math.min(numberOr(schema.maxItems, 5), minLength + 5));
    const items = this.valid(item);
    if (schema.uniqueItems === true) {
      return fc.uniqueArray(items, { minLength, maxLength, selector: (value) => JSON.stringify(value) });
    }
    return fc.array(items, { minLength, maxLength });
  }

  private validObject(schema: SchemaObject): fc.Arbitrary<unknown> {
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    const required = ((schema.required ?? []) as string[]).filter((key) => key in properties);
    const model = Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, this.valid(value, key)]));
    let object: fc.Arbitrary<Record<string, unknown>> = fc.record(model, { requiredKeys: required });
    const additional = schema.additionalProperties;
    const maxProperties = numberOr(schema.maxProperties, undefined);
    const minProperties = numberOr(schema.minProperties, 0);
    if (additional !== undefined && additional !== false && (additional !== true || Object.keys(properties).length === 0)) {
      const extraSchema = additional === true ? {} : (additional as JsonSchema);
      const maxKeys = Math.max(0, Math.min(4, (maxProperties ?? Infinity) - Object.keys(properties).length));
      const extra = fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), this.valid(extraSchema), { maxKeys });
      object = fc.tuple(object, extra).map(([known, more]) => ({ ...more, ...known }));
    }
    if (minProperties > 0) object = object.filter((value) => Object.keys(value).length >= minProperties);
    return object;
  }

  /** An otherwise valid object with one thing wrong. */
  private brokenObject(schema: SchemaObject): fc.Arbitrary<unknown> {
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    const required = ((schema.required ?? []) as string[]).filter((key) => key in properties);
    const valid = this.validObject(schema) as fc.Arbitrary<Record<string, unknown>>;
    const choices: fc.Arbitrary<unknown>[] = [];
    for (const [key, value] of Object.entries(properties)) {
      choices.push(fc.tuple(valid, this.invalid(value, key)).map(([object, broken]) => ({ ...object, [key]: broken })));
    }
    if (required.length > 0) {
      choices.push(
        fc.tuple(valid, fc.constantFrom(...required)).map(([object, key]) => {
          const { [key]: _dropped, ...rest } = object;
          return rest;
        }),
      );
    }
    const unknownKey = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', '', ' ', 'id', 'NAME', 'x\u0000'), fc.string({ maxLength: 10 }));
    choices.push(
      fc.tuple(valid, unknownKey, anyJson).map(([object, key, extra]) => {
        const copy: Record<string, unknown> = { ...object };
        Object.defineProperty(copy, key, { value: extra, enumerable: true, configurable: true, writable: true });
        return copy;
      }),
    );
    choices.push(valid.map((object) => [object]));
    return fc.oneof(...choices);
  }

  /** An otherwise valid array with one item wrong. */
  private brokenArray(schema: SchemaObject): fc.Arbitrary<unknown> {
    const item = schema.items as JsonSchema;
    return fc
      .tuple(fc.array(this.valid(item), { maxLength: 3 }), this.invalid(item), fc.nat())
      .map(([items, broken, at]) => {
        const copy = [...items];
        copy.splice(at % (copy.length + 1), 0, broken);
        return copy;
      });
  }

  /** Strings that almost match a pattern: a match with one character changed, added or removed. */
  private nearPattern(pattern: string): fc.Arbitrary<unknown> {
    return fc
      .tuple(matching(pattern), fc.nat(), fc.constantFrom('', 'x', '-', '\u0000', '٣', 'é', ' ', '\n', '😀'))
      .map(([text, at, piece]) => {
        const index = text.length === 0 ? 0 : at % text.length;
        return text.slice(0, index) + piece + text.slice(index + 1);
      });
  }
}

/** Types a schema allows (an empty list: anything). */
function typesOf(schema: SchemaObject): string[] {
  if (Array.isArray(schema.type)) return [...(schema.type as string[])];
  if (typeof schema.type === 'string') return [schema.type];
  if (schema.properties) return ['object'];
  if (schema.items) return ['array'];
  return [];
}

function enumValuesOf(schema: SchemaObject, arbitraries: SchemaArbitraries): unknown[] {
  const values: unknown[] = [];
  for (const alternative of ((schema.anyOf ?? schema.oneOf ?? []) as JsonSchema[]).map((part) => arbitraries.resolve(part))) {
    if (Array.isArray(alternative.enum)) values.push(...(alternative.enum as unknown[]));
    if ('const' in alternative) values.push(alternative.const);
  }
  return values;
}

function mergeAll(parts: SchemaObject[]): SchemaObject {
  const merged: SchemaObject = {};
  for (const part of parts) {
    for (const [key, value] of Object.entries(part)) {
      if (key === 'properties') merged.properties = { ...(merged.properties as object), ...(value as object) };
      else if (key === 'required') merged.required = [...((merged.required as string[]) ?? []), ...(value as string[])];
      else merged[key] = value;
    }
  }
  return merged;
}

function numberOr<T extends number | undefined>(value: unknown, fallback: T): number | T {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function matching(pattern: string): fc.Arbitrary<string> {
  try {
    return fc.stringMatching(new RegExp(pattern));
  } catch {
    return fc.string({ maxLength: 20 });
  }
}

function validInteger(schema: SchemaObject): fc.Arbitrary<unknown> {
  let min = numberOr(schema.minimum, -Number.MAX_SAFE_INTEGER);
  let max = numberOr(schema.maximum, Number.MAX_SAFE_INTEGER);
  if (typeof schema.exclusiveMinimum === 'number') min = Math.max(min, Math.floor(schema.exclusiveMinimum) + 1);
  if (typeof schema.exclusiveMaximum === 'number') max = Math.min(max, Math.ceil(schema.exclusiveMaximum) - 1);
  min = Math.max(Math.ceil(min), -Number.MAX_SAFE_INTEGER);
  max = Math.min(Math.floor(max), Number.MAX_SAFE_INTEGER);
  const multipleOf = numberOr(schema.multipleOf, 1);
  if (multipleOf !== 1 && Number.isInteger(multipleOf) && multipleOf > 0) {
    const low = Math.ceil(min / multipleOf);
    const high = Math.floor(max / multipleOf);
    return fc.bigInt({ min: BigInt(low), max: BigInt(high) }).map((n) => Number(n) * multipleOf);
  }
  return fc.bigInt({ min: BigInt(min), max: BigInt(max) }).map(Number);
}

function validNumber(schema: SchemaObject): fc.Arbitrary<unknown> {
  const min = numberOr(schema.minimum ?? schema.exclusiveMinimum, undefined);
  const max = numberOr(schema.maximum ?? schema.exclusiveMaximum, undefined);
  return fc.double({
    noNaN: true,
    noDefaultInfinity: true,
    ...(min !== undefined ? { min, minExcluded: typeof schema.exclusiveMinimum === 'number' } : {}),
    ...(max !== undefined ? { max, maxExcluded: typeof schema.exclusiveMaximum === 'number' } : {}),
  });
}

/** RFC 3339 timestamps: any millisecond from 2000 to 2100, or on a quarter hour soon, with offsets. */
const dateTime: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(
      fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }),
      fc
        .integer({ min: 0, max: 4 * 24 * 365 * 3 })
        .map((quarters) => new Date(Date.UTC(2027, 0, 1) + quarters * 15 * 60_000)),
    ),
    fc.constantFrom(0, 0, 0, 60, -300, 330, 840, -720),
  )
  .map(([date, offsetMinutes]) => {
    if (offsetMinutes === 0) return date.toISOString();
    const local = new Date(date.getTime() + offsetMinutes * 60_000).toISOString().slice(0, -1);
    const sign = offsetMinutes < 0 ? '-' : '+';
    const hours = String(Math.floor(Math.abs(offsetMinutes) / 60)).padStart(2, '0');
    const minutes = String(Math.abs(offsetMinutes) % 60).padStart(2, '0');
    return `${local}${sign}${hours}:${minutes}`;
  });

/** Small JSON values of any shape. */
const anyJson: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 2 });

/** Values hostile to any field, whatever its type. */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...hostileStrings) },
  { weight: 1, arbitrary: fc.constantFrom(...longStrings) },
  { weight: 3, arbitrary: fc.constantFrom(...hostileNumbers) },
  { weight: 2, arbitrary: fc.constantFrom(...wrongTypes) },
  { weight: 1, arbitrary: fc.constantFrom(...hostileDates) },
  { weight: 1, arbitrary: fc.constantFrom(deepJson('array', DEEP), deepJson('object', DEEP)) },
  { weight: 2, arbitrary: anyCodeUnits },
  { weight: 1, arbitrary: anyJson },
);
