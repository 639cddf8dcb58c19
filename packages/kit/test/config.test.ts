import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, serviceConfigProperties, Type } from '../src/index.js';

const Schema = Type.Object({
  ...serviceConfigProperties(3000),
  SIGNING_KEY: Type.String({ minLength: 8 }),
  POOL: Type.Integer({ minimum: 1, default: 4 }),
});

describe('loadConfig', () => {
  it('applies defaults and coerces numbers from text', () => {
    const config = loadConfig(Schema, { SIGNING_KEY: 'abcdefgh', PORT: '4100' });
    expect(config).toMatchObject({ PORT: 4100, HOST: '127.0.0.1', LOG_LEVEL: 'info', POOL: 4 });
  });

  it('names every missing or invalid variable in one error', () => {
    let error: unknown;
    try {
      loadConfig(Schema, { PORT: 'eighty', LOG_LEVEL: 'loud' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('SIGNING_KEY is required');
    expect(message).toContain('PORT');
    expect(message).toContain('LOG_LEVEL');
  });

  it('refuses numbers that are not written as such instead of rounding or truncating them', () => {
    for (const [POOL, PORT] of [['1.5', '4100'], ['4', '41OO'], ['4', '4100 '], ['0x10', '4100'], ['4', '']]) {
      const env = { SIGNING_KEY: 'abcdefgh', POOL, PORT };
      if (PORT === '') {
        expect(loadConfig(Schema, env)).toMatchObject({ POOL: 4, PORT: 3000 });
        continue;
      }
      expect(() => loadConfig(Schema, env)).toThrow(POOL === '4' ? /PORT must be a whole number/ : /POOL must be a whole number/);
    }
    expect(loadConfig(Schema, { SIGNING_KEY: 'abcdefgh', POOL: '+8', PORT: '0' })).toMatchObject({ POOL: 8, PORT: 0 });
  });

  it('never echoes a rejected value, which may be a secret', () => {
    expect(() => loadConfig(Schema, { SIGNING_KEY: 'short' })).toThrow(/SIGNING_KEY/);
    expect(() => loadConfig(Schema, { SIGNING_KEY: 'short' })).not.toThrow(/short/);
  });

  it('reads NAME_FILE secrets, trimmed, in preference to NAME', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kit-config-'));
    const file = join(dir, 'key');
    writeFileSync(file, 's3cret-from-file\n');
    const config = loadConfig(Schema, { SIGNING_KEY: 'from-env-var', SIGNING_KEY_FILE: file });
    expect(config.SIGNING_KEY).toBe('s3cret-from-file');
  });

  it('reports an unreadable NAME_FILE by name', () => {
    expect(() => loadConfig(Schema, { SIGNING_KEY_FILE: '/nonexistent/key' })).toThrow(
      /SIGNING_KEY_FILE: cannot read \/nonexistent\/key \(ENOENT\)/,
    );
  });
});
