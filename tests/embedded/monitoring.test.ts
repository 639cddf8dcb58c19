// The monitoring configuration in deploy/, checked without running Prometheus or Grafana: the
// alert rules by promtool (Debian's `prometheus` package; .ci/run installs it), and Grafana's
// provisioning by parsing it, since no Grafana (nor Jaeger) image exists on these machines. That
// the services really export what the dashboard and the rules query is checked against a running
// stack in tracing.test.ts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type Any,
  compose,
  dashboard,
  datasources,
  load,
  metricNames,
  monitoredExpressions,
  PROMETHEUS,
  ROOT,
  rules,
} from './monitoring.js';

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
const havePromtool = promtool.status === 0;
if (!havePromtool) {
  console.warn('promtool not found: the alert rules are not checked (apt-get install prometheus; .ci/run does)');
}
const runPromtool = (args: string[], cwd = PROMETHEUS) => {
  const run = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
};

describe('Prometheus alert rules (deploy/prometheus/alerts.yml)', () => {
  it('cover error rate, p95 latency, a service down and an exhausted database pool', () => {
    const byName = Object.fromEntries(rules.map((rule) => [rule.alert, rule]));
    expect(Object.keys(byName)).toEqual(
      expect.arrayContaining(['FlotillaHighErrorRate', 'FlotillaHighLatencyP95', 'FlotillaServiceDown', 'FlotillaDatabasePoolExhausted']),
    );
    expect(byName.FlotillaHighErrorRate.expr).toMatch(/status_code=~"5\.\."/);
    expect(byName.FlotillaHighLatencyP95.expr).toMatch(/histogram_quantile\(0\.95/);
    expect(byName.FlotillaServiceDown.expr).toMatch(/\bup\{/);
    expect(byName.FlotillaDatabasePoolExhausted.expr).toMatch(/db_pool_waiting_requests/);
    for (const rule of rules) {
      expect(rule.labels?.severity, rule.alert).toMatch(/^(warning|critical)$/);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
    }
  });

  it('are loaded by the Compose Prometheus (rule_files and the mount agree)', () => {
    const config = load(join(PROMETHEUS, 'prometheus.yml'));
    const mount = compose.services.prometheus.volumes.find((v: string) => v.startsWith('./prometheus/alerts.yml:'));
    expect(mount).toBeDefined();
    expect(config.rule_files).toContain(String(mount).split(':')[1]);
  });

  it.runIf(havePromtool)('pass promtool check rules', () => {
    const run = runPromtool(['check', 'rules', 'alerts.yml']);
    expect(run.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(run.status, run.output).toBe(0);
  });

  it.runIf(havePromtool)('fire as their unit tests say, and only then (promtool test rules alerts.test.yml)', () => {
    const run = runPromtool(['test', 'rules', 'alerts.test.yml']);
    expect(run.status, run.output).toBe(0);
    expect(run.output).toMatch(/SUCCESS/);
  });

  it.runIf(havePromtool)('prometheus.yml passes promtool check config, rules included', () => {
    // The rule file where the container mounts it is here beside the config.
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-promtool-'));
    try {
      const config = readFileSync(join(PROMETHEUS, 'prometheus.yml'), 'utf8').replace('/etc/prometheus/alerts.yml', join(dir, 'alerts.yml'));
      writeFileSync(join(dir, 'prometheus.yml'), config);
      writeFileSync(join(dir, 'alerts.yml'), readFileSync(join(PROMETHEUS, 'alerts.yml')));
      const run = runPromtool(['check', 'config', 'prometheus.yml'], dir);
      expect(run.status, run.output).toBe(0);
      expect(run.output).toMatch(/SUCCESS: 1 rule files found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('scrape every service on its metrics port (9464), not on the public port', () => {
    const config = load(join(PROMETHEUS, 'prometheus.yml'));
    const targets = config.scrape_configs
      .filter((job: Any) => job.job_name !== 'prometheus')
      .flatMap((job: Any) => job.static_configs.flatMap((c: Any) => c.targets));
    expect(targets.sort()).toEqual(['fleet:9464', 'gateway:9464', 'stats:9464', 'translation:9464', 'users:9464']);
    expect(readFileSync(join(ROOT, 'deploy', 'Dockerfile'), 'utf8')).toMatch(/^\s+METRICS_PORT=9464 \\$/m);
  });
});

// Grafana cannot run here (no image, no package): its provisioning is parsed and cross-checked.
describe('Grafana provisioning (parsed: no Grafana image on these machines)', () => {
  it('has Prometheus and the trace backend (Jaeger) as data sources, at their Compose addresses', () => {
    const prometheus = datasources.find((d) => d.type === 'prometheus');
    const jaeger = datasources.find((d) => d.type === 'jaeger');
    expect(prometheus).toMatchObject({ uid: 'flotilla-prometheus', url: 'http://prometheus:9090' });
    expect(jaeger).toMatchObject({ uid: 'flotilla-jaeger', url: 'http://jaeger:16686' });
    expect(jaeger.jsonData.tracesToMetrics.datasourceUid).toBe(prometheus.uid);
    // Grafana reaches both on the monitoring network; the services reach Jaeger on the back one.
    expect(compose.services.jaeger.networks).toEqual(expect.arrayContaining(['back', 'monitoring']));
    expect(compose.services.grafana.networks).toContain('monitoring');
    expect(compose.services.jaeger.image).toMatch(/^\$\{JAEGER_IMAGE:-jaegertracing\/jaeger:2\.[\d.]+\}$/);
    expect(compose.services.jaeger.profiles).toEqual(['monitoring']);
  });

  it('the dashboard uses only provisioned data sources, with valid queries and a layout that fits', () => {
    const uids = new Set(datasources.map((d) => d.uid));
    const ids = dashboard.panels.map((p: Any) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels.filter((p: Any) => p.type !== 'row')) {
      expect(uids.has(panel.datasource?.uid), panel.title).toBe(true);
      const { x, y, w, h } = panel.gridPos;
      expect(x >= 0 && x + w <= 24 && y >= 0 && h > 0, panel.title).toBe(true);
      for (const target of panel.targets) {
        expect(target.datasource.uid, panel.title).toBe(panel.datasource.uid);
        if (panel.datasource.uid === 'flotilla-jaeger') expect(target.queryType, panel.title).toBe('search');
        else expect(target.expr, panel.title).toBeTruthy();
      }
    }
  });

  it('shows calls per service and route, p50/p95/p99, error rate, saturation and domain counters', () => {
    const all = monitoredExpressions().join('\n');
    for (const needed of [
      'sum by (service, method, route) (rate(http_requests_total',
      'histogram_quantile(0.50',
      'histogram_quantile(0.95',
      'histogram_quantile(0.99',
      'status_code=~"5..',
      'nodejs_eventloop_lag_p99_seconds',
      'db_pool_wait_seconds_bucket',
      'db_pool_waiting_requests',
      'allocations_created_total',
      'translations_total',
      'translated_words_total',
    ]) {
      expect(all, needed).toContain(needed);
    }
  });

  it('links to traces: a dashboard link and per-service data links open Jaeger in Explore', () => {
    const explore = (url: string) => {
      expect(url).toMatch(/^\/explore\?/);
      const panes = JSON.parse(decodeURIComponent(new URL(url, 'http://grafana').searchParams.get('panes') ?? '{}'));
      return panes.a;
    };
    const [link] = dashboard.links;
    expect(explore(link.url)).toMatchObject({ datasource: 'flotilla-jaeger', queries: [{ queryType: 'search', service: 'gateway' }] });
    const withLinks = dashboard.panels.filter((p: Any) => p.fieldConfig?.defaults?.links?.length);
    expect(withLinks.map((p: Any) => p.title)).toEqual(
      expect.arrayContaining(['p95 latency by service', 'p95 latency by route', 'Error rate by service (5xx share)']),
    );
    for (const panel of withLinks) {
      for (const dataLink of panel.fieldConfig.defaults.links) {
        expect(explore(dataLink.url).queries[0].service, panel.title).toBe('${__field.labels.service}');
      }
    }
    const traceTables = dashboard.panels.filter((p: Any) => p.datasource?.uid === 'flotilla-jaeger');
    expect(traceTables.length).toBeGreaterThan(0);
  });

  it('every metric queried is defined in the code (kit, services, prom-client defaults)', () => {
    const sources: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.ts')) sources.push(readFileSync(path, 'utf8'));
      }
    };
    walk(join(ROOT, 'packages', 'kit', 'src'));
    for (const service of readdirSync(join(ROOT, 'services'))) walk(join(ROOT, 'services', service, 'src'));
    const code = sources.join('\n');
    const missing = new Set<string>();
    for (const expr of monitoredExpressions()) {
      for (const name of metricNames(expr)) {
        const base = name.replace(/_(bucket|sum|count)$/, '');
        if (base === 'up' || base.startsWith('nodejs_') || base.startsWith('process_')) continue;
        if (!code.includes(`'${base}'`)) missing.add(name);
      }
    }
    expect([...missing]).toEqual([]);
  });
});
