import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { freePort } from './support/nginx.js';
import { deployDir, root, runOk } from './support/run.js';

const prometheusDir = resolve(deployDir, 'prometheus');
const rulesFile = resolve(prometheusDir, 'alerts.yml');

interface Rule {
  alert: string;
  expr: string;
}

const rules: Rule[] = (parse(readFileSync(rulesFile, 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((group) => group.rules);

/** The metric names an expression selects: every selector in the rules carries labels, `name{…}`. */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((match) => match[1]!);
}

/** The label names an expression's selectors match on. */
function labelNames(expr: string): string[] {
  return [...expr.matchAll(/\{([^}]*)\}/g)].flatMap((selector) => [...selector[1]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)].map((match) => match[1]!));
}

describe('the alerting rules, by promtool', () => {
  it('are valid, as is the example scrape config that loads them', async () => {
    await runOk('promtool', ['check', 'config', 'prometheus.yml'], { cwd: prometheusDir });
  });

  it('fire on the series of their unit tests, and only when they should', async () => {
    const output = await runOk('promtool', ['test', 'rules', 'alerts.test.yml'], { cwd: prometheusDir });
    expect(output).toContain('SUCCESS');
    // Every alert has a test of its own.
    const tests = readFileSync(resolve(prometheusDir, 'alerts.test.yml'), 'utf8');
    for (const { alert } of rules) expect(tests, alert).toContain(`alertname: ${alert}`);
  });
});

/**
 * A real Prometheus with the rules, scraping the embedded app (role `all`, which is also a worker) and a
 * target that is down, every second.
 */
describe('the alerting rules, in Prometheus, on the metrics of a running app', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fibstack-alerts-'));
  let app: ChildProcess;
  let prometheus: ChildProcess;
  let appUrl: string;
  let prometheusUrl: string;

  const query = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${prometheusUrl}${path}`);
    const body = (await response.json()) as { status: string; data: T };
    expect(body.status).toBe('success');
    return body.data;
  };

  beforeAll(async () => {
    const [port, metricsPort, downPort, prometheusPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    appUrl = `http://127.0.0.1:${port}`;
    prometheusUrl = `http://127.0.0.1:${prometheusPort}`;
    app = spawn(process.execPath, [resolve(root, 'server/dist/main.js')], {
      env: {
        // Backups scheduled (the metric is served) but never due while the test runs (but at New Year).
        ...{ PATH: process.env.PATH, DATA_DIR: join(dir, 'data'), BACKUP_DIR: join(dir, 'backups'), BACKUP_CRON: '0 0 1 1 *' },
        ...{ PORT: String(port), HOST: '127.0.0.1', METRICS_PORT: String(metricsPort), LOG_LEVEL: 'warn' },
      },
      stdio: 'ignore',
    });
    writeFileSync(
      join(dir, 'prometheus.yml'),
      JSON.stringify({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        rule_files: [rulesFile],
        scrape_configs: [
          { job_name: 'fibstack-all', static_configs: [{ targets: [`127.0.0.1:${metricsPort}`] }] },
          // Nothing listens there.
          { job_name: 'fibstack-worker', static_configs: [{ targets: [`127.0.0.1:${downPort}`] }] },
        ],
      }),
    );
    prometheus = spawn(
      'prometheus',
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${prometheusPort}`],
      { stdio: 'ignore' },
    );
    // A missing binary fails here, by name.
    await Promise.all([once(app, 'spawn'), once(prometheus, 'spawn')]);
    await waitFor(async () => (await fetch(`${appUrl}/api/ready`).catch(() => undefined))?.ok === true);
    // Requests of the kinds the rules read: an answer, and a client's error.
    await fetch(`${appUrl}/api/calculations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"index":20}' });
    await fetch(`${appUrl}/api/calculations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"index":-1}' });
    await waitFor(async () => (await fetch(`${prometheusUrl}/-/ready`).catch(() => undefined))?.ok === true);
  });

  afterAll(async () => {
    await Promise.all([stop(prometheus), stop(app)]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds every metric and label the rules read among those the app serves', async () => {
    const names = [...new Set(rules.flatMap(({ expr }) => metricNames(expr)))];
    const labels = [...new Set(rules.flatMap(({ expr }) => labelNames(expr)))];
    expect(names.length).toBeGreaterThanOrEqual(6);
    expect(labels).toContain('job_name');
    const missing = async () => {
      const [scrapedNames, scrapedLabels] = await Promise.all([query<string[]>('/api/v1/label/__name__/values'), query<string[]>('/api/v1/labels')]);
      return [...names.filter((name) => !scrapedNames.includes(name)), ...labels.filter((label) => !scrapedLabels.includes(label))];
    };
    await waitFor(async () => (await missing()).length === 0).catch(() => {});
    expect(await missing()).toEqual([]);
  });

  it('evaluates every rule without an error, and holds as pending the down target and the missing backup', async () => {
    type Groups = { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string; evaluationTime: number; lastEvaluation: string }> }> };
    await waitFor(async () => {
      const { groups } = await query<Groups>('/api/v1/rules');
      return groups.flatMap((group) => group.rules).every((rule) => !rule.lastEvaluation.startsWith('0001'));
    });
    const { groups } = await query<Groups>('/api/v1/rules');
    const evaluated = groups.flatMap((group) => group.rules);
    expect(evaluated.map(({ name }) => name).sort()).toEqual(rules.map(({ alert }) => alert).sort());
    for (const rule of evaluated) expect({ name: rule.name, health: rule.health, lastError: rule.lastError ?? '' }).toEqual({ name: rule.name, health: 'ok', lastError: '' });

    // Once both targets have been scraped (before that, no worker has reported): the app is a worker
    // too, so FibstackNoWorkers holds back, and its API's one error is a client's. It has made no backup.
    type Alerts = { alerts: Array<{ labels: Record<string, string>; state: string }> };
    const pending = async () =>
      (await query<Alerts>('/api/v1/alerts')).alerts
        .map(({ labels, state }) => ({ alert: labels.alertname, job: labels.job, state }))
        .sort((a, b) => a.alert!.localeCompare(b.alert!));
    const expected = [
      { alert: 'FibstackBackupMissing', job: undefined, state: 'pending' },
      { alert: 'FibstackTargetDown', job: 'fibstack-worker', state: 'pending' },
    ];
    await waitFor(async () => JSON.stringify(await pending()) === JSON.stringify(expected)).catch(() => {});
    expect(await pending()).toEqual(expected);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
