import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema, parseConfig, type Config } from '../../server/src/config.js';
import { deployDir } from './support/run.js';

const environments = ['development', 'staging', 'production'] as const;
const schemaKeys = Object.keys(configSchema.shape).sort();

interface Entry {
  key: string;
  value: string;
  /** A commented-out line: the key is listed and keeps its built-in default. */
  commented: boolean;
  /** The comment lines just above it. */
  described: boolean;
}

/** Reads an env file the way compose does, and also the commented-out `# KEY=` lines. */
function parseEnvFile(text: string): Entry[] {
  const entries: Entry[] = [];
  let comment = false;
  for (const line of text.split('\n')) {
    const match = /^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (match) {
      entries.push({ key: match[2]!, value: match[3]!, commented: match[1] !== undefined, described: comment });
      comment = false;
    } else {
      comment = line.startsWith('#') && line.length > 1;
    }
  }
  return entries;
}

describe.each(environments)('deploy/env/%s.env', (environment) => {
  const entries = parseEnvFile(readFileSync(resolve(deployDir, 'env', `${environment}.env`), 'utf8'));
  /** A VAR_FILE line names a secret file for VAR: the server's entrypoint turns it into VAR. */
  const settingOf = (key: string) => key.replace(/_FILE$/, '');

  it('lists every variable of the configuration schema, and only those', () => {
    const listed = [...new Set(entries.filter((entry) => !entry.key.endsWith('_FILE')).map((entry) => entry.key))];
    expect(listed.sort()).toEqual(schemaKeys);
    for (const entry of entries.filter((e) => e.key.endsWith('_FILE'))) {
      expect(schemaKeys, `${entry.key} names no setting`).toContain(settingOf(entry.key));
    }
  });

  it('sets each variable at most once', () => {
    const set = entries.filter((entry) => !entry.commented).map((entry) => settingOf(entry.key));
    expect(set.length).toBe(new Set(set).size);
  });

  it('explains every variable with a comment above it', () => {
    const explained = new Set(entries.filter((entry) => entry.described).map((entry) => settingOf(entry.key)));
    expect(schemaKeys.filter((key) => !explained.has(key))).toEqual([]);
  });

  it('holds values the server accepts', () => {
    const values = Object.fromEntries(
      entries.filter((entry) => !entry.commented && !entry.key.endsWith('_FILE')).map((e) => [e.key, e.value]),
    );
    const result = configSchema.safeParse(values);
    expect(result.error?.issues ?? []).toEqual([]);
  });

  it('shows the built-in default on each commented-out line', () => {
    const defaults = parseConfig({});
    // FIB_PARALLELISM's default depends on the machine's cores.
    const shown = entries.filter((entry) => entry.commented && entry.value !== '' && entry.key !== 'FIB_PARALLELISM');
    expect(shown.length).toBeGreaterThan(5);
    for (const { key, value } of shown) {
      expect(parseConfig({ [key]: value })[key as keyof Config], `${key}=${value}`).toEqual(defaults[key as keyof Config]);
    }
  });

  if (environment !== 'development') {
    it('keeps connection strings out of the file: they come from secret files', () => {
      const set = new Map(entries.filter((entry) => !entry.commented).map((entry) => [entry.key, entry.value]));
      expect(set.has('DATABASE_URL')).toBe(false);
      expect(set.has('REDIS_URL')).toBe(false);
      expect(set.get('DATABASE_URL_FILE')).toMatch(/^\/run\/secrets\//);
      expect(set.get('REDIS_URL_FILE')).toMatch(/^\/run\/secrets\//);
      expect(set.get('NODE_ENV')).toBe('production');
    });
  }
});
