import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../config.js';
import { openDatabase } from './database.js';

describe('the embedded database', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fibstack-database-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('says a DATA_DIR it cannot make a folder of, as a setting', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, '');
    for (const DATA_DIR of [file, join(file, 'below')]) {
      const opened = openDatabase({ DATABASE_URL: undefined, DATABASE_POOL_SIZE: 1, DATA_DIR });
      await expect(opened, DATA_DIR).rejects.toBeInstanceOf(ConfigError);
      await expect(opened, DATA_DIR).rejects.toThrow(`DATA_DIR: cannot make the folder ${DATA_DIR} (`);
    }
  });
});
