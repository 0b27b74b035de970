import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../config.js';
import { embeddedDataDir, openDatabase, restoredDataDir } from './database.js';

/** A database in `folder` holding one row that says which it is. */
async function databaseOf(folder: string, which: string): Promise<void> {
  await mkdir(dirname(folder), { recursive: true });
  const pglite = await PGlite.create(folder);
  await pglite.exec(`CREATE TABLE which (name text); INSERT INTO which VALUES ('${which}')`);
  await pglite.close();
}

/** Which database DATA_DIR opens as. */
async function opened(dataDir: string): Promise<string> {
  const db = await openDatabase({ DATABASE_URL: undefined, DATABASE_POOL_SIZE: 1, DATA_DIR: dataDir });
  try {
    return (await sql<{ name: string }>`SELECT name FROM which`.execute(db)).rows[0]!.name;
  } finally {
    await db.destroy();
  }
}

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

  it('finishes the swap of a restore killed between its two renames, and leaves one killed before it', async () => {
    // Killed between them: the live database moved aside, the restored one whole beside it.
    const between = join(dir, 'between');
    await databaseOf(restoredDataDir(between), 'restored');
    await databaseOf(`${embeddedDataDir(between)}.before-restore-1`, 'before');
    expect(await opened(between)).toBe('restored');
    expect((await readdir(between)).filter((name) => name.endsWith('.restored'))).toEqual([]);
    // Killed before the swap began: the live database is there, and stays.
    const before = join(dir, 'before');
    await databaseOf(embeddedDataDir(before), 'live');
    await databaseOf(restoredDataDir(before), 'restored');
    expect(await opened(before)).toBe('live');
  });
});
