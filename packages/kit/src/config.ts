import { readFileSync } from 'node:fs';
import type { Static, TObject } from 'typebox';
import { Value } from 'typebox/value';

const WHOLE_NUMBER = /^[+-]?\d+$/u;
const DECIMAL_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/u;

/** A configuration problem the operator must fix; the message names every bad variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads the variables a schema declares from the environment. `NAME_FILE`, when set, wins over
 * `NAME` (Docker and Kubernetes secrets arrive as files). Values are coerced to the schema's
 * types and defaults are applied. Values are never echoed in errors: they may be secrets.
 */
export function loadConfig<T extends TObject>(schema: T, env: NodeJS.ProcessEnv = process.env): Static<T> {
  const raw: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const key of Object.keys(schema.properties)) {
    const file = env[`${key}_FILE`];
    if (file) {
      try {
        raw[key] = readFileSync(file, 'utf8').trim();
      } catch (error) {
        problems.push(`${key}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? error})`);
      }
    } else if (env[key] !== undefined && env[key] !== '') {
      raw[key] = env[key];
    }
  }
  // Convert turns "1.5" into 1 for an integer and "12abc" into nothing useful: numbers are
  // checked as written, so a typo is refused rather than silently changed.
  const misread = new Set<string>();
  for (const [key, text] of Object.entries(raw)) {
    const type = (schema.properties[key] as { type?: unknown } | undefined)?.type;
    const pattern = type === 'integer' ? WHOLE_NUMBER : type === 'number' ? DECIMAL_NUMBER : undefined;
    if (pattern && typeof text === 'string' && !pattern.test(text)) {
      misread.add(key);
      problems.push(`${key} must be ${type === 'integer' ? 'a whole number' : 'a number'}`);
    }
  }
  const value = Value.Default(schema, Value.Convert(schema, raw)) as Record<string, unknown>;
  for (const error of Value.Errors(schema, value)) {
    if (error.keyword === 'required') {
      const missing = (error.params as { requiredProperties: string[] }).requiredProperties;
      for (const key of missing) problems.push(`${key} is required (set ${key} or ${key}_FILE)`);
    } else {
      const key = error.instancePath.replace(/^\//, '');
      if (!misread.has(key)) problems.push(`${key} ${error.message}`);
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  return value as Static<T>;
}
