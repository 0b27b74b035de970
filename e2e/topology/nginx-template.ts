import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const template = resolve(dirname(fileURLToPath(import.meta.url)), '../../deploy/nginx/fibstack.conf.template');

/** The production proxy's config (deploy/nginx) with every `${NAME}` placeholder filled from `values`. */
export async function renderNginxTemplate(values: Record<string, string>): Promise<string> {
  return (await readFile(template, 'utf8')).replace(/\$\{(\w+)\}/g, (_, key: string) => {
    if (!(key in values)) throw new Error(`nginx template: no value for ${key}`);
    return values[key]!;
  });
}
