// What the monitoring tests read from deploy/: the alert rules, the dashboard, Grafana's data
// sources, and the metric names their expressions use (monitoring.test.ts, tracing.test.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const PROMETHEUS = join(ROOT, 'deploy', 'prometheus');
export const GRAFANA = join(ROOT, 'deploy', 'grafana');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed configuration files
export type Any = any;
export const load = (path: string): Any => yaml.load(readFileSync(path, 'utf8'));

/**
 * Metric names a PromQL expression uses: identifiers that are not functions, keywords, label
 * names (in matchers, `by (...)`, `on (...)`), strings, durations or numbers.
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"[^"]*"/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const keywords = new Set(['and', 'or', 'unless', 'bool', 'offset', 'e', 'inf', 'nan']);
  const names = new Set<string>();
  for (const match of bare.matchAll(/(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)) {
    if (!keywords.has(match[1] as string)) names.add(match[1] as string);
  }
  return [...names];
}

export const alerts = load(join(PROMETHEUS, 'alerts.yml'));
export const rules: Any[] = alerts.groups.flatMap((group: Any) => group.rules);
export const dashboard = JSON.parse(readFileSync(join(GRAFANA, 'dashboards', 'flotilla.json'), 'utf8'));
export const datasources: Any[] = readdirSync(join(GRAFANA, 'provisioning', 'datasources')).flatMap(
  (file) => load(join(GRAFANA, 'provisioning', 'datasources', file)).datasources,
);
export const compose = load(join(ROOT, 'deploy', 'compose.yaml'));

/** Every expression the dashboard and the alert rules evaluate against Prometheus. */
export function monitoredExpressions(): string[] {
  const exprs = rules.map((rule) => String(rule.expr));
  for (const panel of dashboard.panels) {
    for (const target of panel.targets ?? []) if (target.expr) exprs.push(String(target.expr));
  }
  return exprs;
}


/** Metric names (without _bucket/_sum/_count) the dashboard and the rules need the services to export. */
export function exportedMetricsNeeded(): string[] {
  const names = new Set<string>();
  for (const expr of monitoredExpressions()) {
    for (const name of metricNames(expr)) {
      const base = name.replace(/_(bucket|sum|count)$/, '');
      if (base !== 'up') names.add(base);
    }
  }
  return [...names].sort();
}
