import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { parseTenantFile } from '../../src/config/load.js';
import { startDaemon } from '../../src/daemon.js';
import { createLogger } from '../../src/log.js';
import { DEMO_INGESTED_PAGE_IDS } from '../fixtures/demo-scenario.js';
import { Capture } from '../helpers/capture.js';
import { tenantYaml } from '../ops/support/daemon-process.js';
import { simulators, tenantEnv } from '../ops/support/simulated-tenants.js';
import { ROOT } from './k8s-helpers.js';

/**
 * k8s/monitoring/ against the code: every metric an alert or a dashboard panel uses is on
 * a real daemon's /metrics after a cycle, every alert links a runbook section that
 * exists, and (where promtool is installed) the rules load and fire as their unit tests
 * below say.
 */

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleDocument {
  spec: { groups: { name: string; rules: AlertRule[] }[] };
}
interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}

const rules = parse(readFileSync(join(ROOT, 'k8s/monitoring/prometheusrule.yaml'), 'utf8')) as RuleDocument;
const alerts = rules.spec.groups.flatMap((group) => group.rules);
const dashboard = JSON.parse(readFileSync(join(ROOT, 'k8s/monitoring/dashboards/confluence-connector.json'), 'utf8')) as {
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; query?: unknown }[] };
};
const panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]).filter((panel) => panel.type !== 'row');
const runbook = readFileSync(join(ROOT, 'docs/runbook.md'), 'utf8');

/** Series that come from elsewhere than the connector's /metrics, and who provides them. */
const EXTERNAL_METRICS: Record<string, string> = {
  up: 'Prometheus, for every scrape target',
  kube_job_status_failed: 'kube-state-metrics (scale-out CronJob runs are not scraped)',
};

/** Metric names in a PromQL expression: identifiers followed by a selector, a range or the end of a call argument. */
function metricNames(expr: string): string[] {
  const withoutStrings = expr.replace(/"[^"]*"/g, '""');
  const names = [...withoutStrings.matchAll(/\b([a-z_][a-z0-9_]*)\s*(?=[{[),]|\s*(?:[-+*/<>=]|$|\bor\b|\bunless\b|\band\b))/g)].map((m) => m[1] as string);
  const keywords = new Set(['sum', 'max', 'min', 'avg', 'by', 'on', 'rate', 'increase', 'time', 'histogram_quantile', 'group_left', 'group_right', 'or', 'and', 'unless', 'bool', 'le', 'without', 'label_values']);
  return [...new Set(names.filter((name) => !keywords.has(name) && /^(cfc_|process_|nodejs_|up$|kube_)/.test(name)))];
}

const exprs = [
  ...alerts.map((alert) => ({ where: `alert ${alert.alert}`, expr: alert.expr })),
  ...panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ where: `panel "${panel.title}"`, expr: target.expr }))),
  ...dashboard.templating.list.flatMap((v) => (v.query && typeof v.query === 'object' ? [{ where: `variable ${v.name}`, expr: String((v.query as { query: string }).query) }] : [])),
];

t.test('the expression parser finds the metrics of an expression', async (t) => {
  t.same(metricNames('histogram_quantile(0.95, sum by (le) (rate(cfc_sync_duration_seconds_bucket{tenant=~"$t"}[5m])))'), ['cfc_sync_duration_seconds_bucket']);
  t.same(metricNames('time() - cfc_last_successful_sync_timestamp_seconds > 3 * cfc_sync_schedule_interval_seconds'), ['cfc_last_successful_sync_timestamp_seconds', 'cfc_sync_schedule_interval_seconds']);
  t.same(metricNames('up{job="confluence-connector"} == 0'), ['up']);
});

t.test('every metric an alert, a panel or a dashboard variable uses is on a real daemon\'s /metrics', async (t) => {
  const sims = await simulators(t);
  const env = tenantEnv('ACME', sims);
  const loaded = parseTenantFile('/tmp/acme-tenant-config.yaml', tenantYaml({ name: 'acme', cron: '0 0 1 1 *', env: 'ACME' }), env);
  if (!loaded.config) throw new Error(loaded.problems.join('\n'));
  const daemon = await startDaemon({ tenants: [loaded.config], env: {}, logger: createLogger({ stream: new Capture(), level: 'error' }), port: 0, host: '127.0.0.1' });
  t.teardown(() => daemon.stop(1000));
  // The start-up cycle: wait for it to end (bounded; it takes well under a second).
  for (const deadline = Date.now() + 20_000; daemon.scheduler.isRunning('acme') && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 20));
  const text = await (await fetch(`http://127.0.0.1:${daemon.port}/metrics`)).text();
  const types = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1] as string, m[2] as string]));
  const exposed = (name: string): boolean => {
    if (types.has(name)) return true;
    const base = name.replace(/_(bucket|sum|count)$/, '');
    return base !== name && types.get(base) === 'histogram';
  };
  t.ok(exprs.length > 30, `${exprs.length} expressions`);
  const used = new Set<string>();
  for (const { where, expr } of exprs) {
    const names = metricNames(expr);
    t.ok(names.length > 0, `${where} queries a metric: ${expr}`);
    for (const name of names) {
      used.add(name);
      if (name in EXTERNAL_METRICS) continue;
      t.ok(exposed(name), `${where}: ${name} is on /metrics`);
    }
  }
  // The series the alerts compare exist after one cycle (an alert on a missing series never fires).
  for (const series of [
    'cfc_last_successful_sync_timestamp_seconds{tenant="acme"}',
    'cfc_sync_schedule_interval_seconds{tenant="acme"}',
    'cfc_sync_consecutive_failures{tenant="acme"} 0',
    `cfc_cycle_items{tenant="acme",outcome="ingested"} ${DEMO_INGESTED_PAGE_IDS.length}`,
    'cfc_cycle_items{tenant="acme",outcome="failed"} 0',
    'cfc_cycle_items{tenant="acme",outcome="withheld"} 0',
    'cfc_confluence_api_requests_total{tenant="acme",endpoint="content/search",result="ok"}',
    'cfc_build_info{version="0.1.0",node="',
  ]) {
    t.ok(text.includes(series), `/metrics has ${series}`);
  }
  t.match(text, /^cfc_sync_phase_duration_seconds_count\{tenant="acme",phase="discovery"\} 1$/m, 'phase durations');
  t.ok(used.has('process_resident_memory_bytes') && used.has('nodejs_eventloop_lag_p99_seconds'), 'RSS and event-loop lag are shown');
});

t.test('the dashboard has a panel for each thing an operator asks about', async (t) => {
  t.equal(dashboard.uid, 'confluence-connector');
  t.ok(dashboard.templating.list.some((v) => v.name === 'datasource'), 'the data source is a variable, so the JSON imports anywhere');
  const uses = (pattern: RegExp) => panels.filter((panel) => (panel.targets ?? []).some((target) => pattern.test(target.expr))).map((panel) => panel.title);
  const topics: [string, RegExp][] = [
    ['cycles and outcomes per tenant', /cfc_sync_duration_seconds_count/],
    ['items by outcome', /cfc_cycle_items/],
    ['request rates by target', /cfc_(confluence|unique)_api_requests_total/],
    ['latencies by target', /cfc_(confluence|unique)_api_request_duration_seconds_bucket/],
    ['429s', /throttle_events_total/],
    ['retries', /result="retry"/],
    ['duration per phase', /cfc_sync_phase_duration_seconds/],
    ['RSS', /process_resident_memory_bytes/],
    ['event-loop lag', /nodejs_eventloop_lag/],
    ['progress of running cycles', /cfc_sync_progress_/],
    ['time since the last success', /cfc_last_successful_sync_timestamp_seconds/],
  ];
  for (const [topic, pattern] of topics) t.ok(uses(pattern).length > 0, `${topic}: ${uses(pattern).join(', ')}`);
});

t.test('every alert has a severity, a summary naming the tenant, and a runbook section that exists', async (t) => {
  t.ok(alerts.length >= 8);
  const anchors = new Set([...runbook.matchAll(/^#{2,4} (.+)$/gm)].map((m) => (m[1] as string).trim().toLowerCase().replace(/[^a-z0-9 _-]/g, '').replace(/ /g, '-')));
  for (const alert of alerts) {
    t.match(alert.labels?.severity, /^(critical|warning|info)$/, `${alert.alert}: severity`);
    t.ok(alert.annotations?.summary && alert.annotations.description, `${alert.alert}: summary and description`);
    const anchor = /^docs\/runbook\.md#(.+)$/.exec(alert.annotations?.runbook_url ?? '')?.[1];
    t.ok(anchor && anchors.has(anchor), `${alert.alert}: runbook_url ${alert.annotations?.runbook_url} points at a section of docs/runbook.md`);
  }
  const names = alerts.map((alert) => alert.alert);
  for (const wanted of ['SyncFailing', 'NoRecentSuccess', 'SafetyGuardTripped', 'ConfluenceThrottled', 'UniqueThrottled', 'ItemsFailing', 'PagesWithheld']) {
    t.ok(names.includes(`ConfluenceConnector${wanted}`), wanted);
  }
});

const hasPromtool = spawnSync('sh', ['-c', 'command -v promtool'], { stdio: 'ignore' }).status === 0;
const PROMTOOL_MISSING = 'promtool is not installed (Debian: apt-get install prometheus): the alert rules were not loaded nor unit-tested, only checked against /metrics';
if (!hasPromtool) t.comment(`SKIP: ${PROMTOOL_MISSING}`);

/** The PrometheusRule's groups as a plain rules file, as Prometheus loads them (without annotations: the unit tests check firing only). */
function rulesFile(dir: string, annotations = true): string {
  const file = join(dir, annotations ? 'rules.yaml' : 'rules-bare.yaml');
  const groups = rules.spec.groups.map((group) => ({ ...group, rules: group.rules.map((rule) => (annotations ? rule : { ...rule, annotations: undefined })) }));
  writeFileSync(file, stringify({ groups }));
  return file;
}

t.test('promtool check rules accepts the alert rules', { skip: hasPromtool ? false : PROMTOOL_MISSING }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cfc-rules-'));
  const out = execFileSync('promtool', ['check', 'rules', rulesFile(dir)], { encoding: 'utf8' });
  t.match(out, new RegExp(`SUCCESS: ${alerts.length} rules found`));
});

/** Series in promtool's notation: `value+stepxcount`, one sample a minute. */
const S = (series: string, values: string) => ({ series, values });
const L = 'namespace="confluence-connector",job="confluence-connector",pod="cfc-0",tenant="acme"';

t.test('promtool: the alerts fire when they should and stay quiet otherwise', { skip: hasPromtool ? false : PROMTOOL_MISSING }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cfc-rules-'));
  const fires = (alertname: string, at: string, severity: string, extra: Record<string, string> = {}) => ({
    eval_time: at,
    alertname,
    exp_alerts: [{ exp_labels: { namespace: 'confluence-connector', tenant: 'acme', severity, ...extra } }],
  });
  const quiet = (alertname: string, at: string) => ({ eval_time: at, alertname, exp_alerts: [] });
  const tests = [
    {
      // Three failures in a row; then a success resets the count.
      input_series: [S(`cfc_sync_consecutive_failures{${L}}`, '0 1 2 3 3 0')],
      alert_rule_test: [quiet('ConfluenceConnectorSyncFailing', '2m'), fires('ConfluenceConnectorSyncFailing', '3m', 'warning'), quiet('ConfluenceConnectorSyncFailing', '5m')],
    },
    {
      // A 15-minute schedule, last success at t=0: past 45 min (and 5 min pending) it fires.
      input_series: [S(`cfc_sync_schedule_interval_seconds{${L}}`, '900x100'), S(`cfc_last_successful_sync_timestamp_seconds{${L}}`, '0x100')],
      alert_rule_test: [quiet('ConfluenceConnectorNoRecentSuccess', '44m'), fires('ConfluenceConnectorNoRecentSuccess', '55m', 'critical')],
    },
    {
      // Successes every minute: never.
      input_series: [S(`cfc_sync_schedule_interval_seconds{${L}}`, '900x100'), S(`cfc_last_successful_sync_timestamp_seconds{${L}}`, '0+60x100')],
      alert_rule_test: [quiet('ConfluenceConnectorNoRecentSuccess', '90m')],
    },
    {
      // No success since the pod started at t=0: the uptime counts.
      input_series: [S(`cfc_sync_schedule_interval_seconds{${L}}`, '900x100'), S('process_start_time_seconds{namespace="confluence-connector",job="confluence-connector",pod="cfc-0"}', '0x100')],
      alert_rule_test: [quiet('ConfluenceConnectorNoRecentSuccess', '40m'), fires('ConfluenceConnectorNoRecentSuccess', '55m', 'critical')],
    },
    {
      input_series: [S(`cfc_sync_failures_total{${L},code="SAFETY_GUARD_TRIPPED"}`, '0 0 1 1 1')],
      alert_rule_test: [quiet('ConfluenceConnectorSafetyGuardTripped', '1m'), fires('ConfluenceConnectorSafetyGuardTripped', '3m', 'critical')],
    },
    {
      input_series: [S(`cfc_sync_failures_total{${L},code="CONFLUENCE_AUTH_FAILED"}`, '0 1 1')],
      alert_rule_test: [fires('ConfluenceConnectorCredentialsRejected', '2m', 'critical', { code: 'CONFLUENCE_AUTH_FAILED' })],
    },
    {
      // 6 429s a minute (0.1/s) for 40 minutes; 1 a minute stays quiet.
      input_series: [S(`cfc_confluence_api_throttle_events_total{${L},endpoint="content/search"}`, '0+6x40'), S(`cfc_confluence_api_throttle_events_total{${L},endpoint="attachment/download"}`, '0+1x40')],
      alert_rule_test: [quiet('ConfluenceConnectorConfluenceThrottled', '20m'), fires('ConfluenceConnectorConfluenceThrottled', '35m', 'warning')],
    },
    {
      input_series: [S(`cfc_cycle_items{${L},outcome="failed"}`, '20x90'), S(`cfc_cycle_items{${L},outcome="withheld"}`, '500x90')],
      alert_rule_test: [
        quiet('ConfluenceConnectorItemsFailing', '30m'),
        fires('ConfluenceConnectorItemsFailing', '70m', 'warning'),
        fires('ConfluenceConnectorPagesWithheld', '70m', 'info'),
      ],
    },
    {
      // Skipped ticks: two in an hour stay quiet, the third fires.
      input_series: [S(`cfc_sync_lease_skipped_total{${L}}`, '0 0 1 1 2 2 2 3 3 3')],
      alert_rule_test: [quiet('ConfluenceConnectorTenantContended', '5m'), fires('ConfluenceConnectorTenantContended', '8m', 'warning')],
    },
  ].map((test) => ({ interval: '1m', ...test }));
  const rulesPath = rulesFile(dir, false);
  const testFile = join(dir, 'alerts.test.yaml');
  writeFileSync(testFile, stringify({ rule_files: [rulesPath], evaluation_interval: '1m', tests }));
  const result = spawnSync('promtool', ['test', 'rules', testFile], { encoding: 'utf8' });
  t.equal(result.status, 0, `${result.stdout}${result.stderr}`);
});
