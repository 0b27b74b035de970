import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { deployDir } from './support/run.js';

const imagesDir = resolve(deployDir, 'docker');
const basesDir = resolve(deployDir, 'test/bases');
const images = readdirSync(imagesDir).filter((name) => name.endsWith('.Dockerfile'));
const bases = readdirSync(basesDir).filter((name) => name.endsWith('.Containerfile'));

/** The instructions after the last FROM: what the published image is made of. */
function finalStage(text: string): string[] {
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((line) => line.trim());
  const from = lines.map((line) => /^FROM\s/i.test(line)).lastIndexOf(true);
  return lines.slice(from).filter((line) => line && !line.startsWith('#'));
}

describe.each([...images.map((name) => resolve(imagesDir, name)), ...bases.map((name) => resolve(basesDir, name))])(
  '%s',
  (path) => {
    it('passes the Dockerfile linter', () => {
      const problems = validate(readFileSync(path, 'utf8')).map(
        (diagnostic) => `${diagnostic.range.start.line + 1}: ${diagnostic.message}`,
      );
      expect(problems).toEqual([]);
    });
  },
);

describe.each(images)('deploy/docker/%s', (name) => {
  const text = readFileSync(resolve(imagesDir, name), 'utf8');
  const stage = finalStage(text);

  it('takes every base image as a build argument with a pinned official default', () => {
    const args = new Map([...text.matchAll(/^ARG (\w+_IMAGE)=(\S+)$/gm)].map((match) => [match[1]!, match[2]!]));
    expect(args.size).toBeGreaterThan(0);
    for (const [arg, image] of args) {
      expect(image, arg).toMatch(/^(node|nginx):\d+\.\d+[\w.-]*$/);
    }
    const stages = new Set([...text.matchAll(/^FROM \S+ AS (\S+)$/gm)].map((match) => match[1]!));
    for (const [, base] of text.matchAll(/^FROM (\S+)/gm)) {
      const fromArg = /^\$\{(\w+)\}$/.exec(base!)?.[1];
      expect(fromArg ? args.has(fromArg) : stages.has(base!), base).toBe(true);
    }
  });

  it('runs as an unprivileged user', () => {
    const user = stage.filter((line) => line.startsWith('USER ')).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER (root|0)(:|$)/);
  });

  it('declares a health check and the revision it was built from', () => {
    expect(stage.some((line) => line.startsWith('HEALTHCHECK '))).toBe(true);
    expect(stage.join('\n')).toContain('org.opencontainers.image.revision="${REVISION}"');
  });
});

it('installs dependencies from the lockfile only', () => {
  for (const name of images) {
    const text = readFileSync(resolve(imagesDir, name), 'utf8');
    expect(text, name).not.toMatch(/npm install/);
  }
});
