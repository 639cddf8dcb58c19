#!/usr/bin/env node
// `npm run test:compose`: builds Flotilla's images and runs the Compose stack for real, then
// exercises it through nginx on 127.0.0.1 and prints a pass/fail summary (exit 1 on failure).
//
// It uses ../shared/containers/setup (relative to the repository root; CI clones the repo
// beside shared/) for a Docker engine, docker-compose 1.29 and local stand-ins of the official
// base images, since no registry can be reached. It adapts to the services present in the tree
// (services/<name>/src/main.ts): checks for a service that has not landed are listed as
// "not covered" in the summary, never skipped silently. What it shares with `npm run test:faults`
// (process runner, setup, secrets, image builds, stack up/down, reporting) is in ./lib.mjs.
//
// Images: <registry>/flotilla-<component>:<tag>, the release's names, built by scripts/images.mjs
// (`npm run images`, the build CI and the release workflow use) as flotilla-test/flotilla-<c>:compose.
//
// Options (environment):
//   FLOTILLA_IMAGES_FROM=<registry>:<tag>  use those images (e.g. 127.0.0.1:5000/flotilla:ci-42,
//                                the ones .ci/run pushed to its local registry and pulled back by
//                                digest) instead of building; test:faults and test:k8s take it too
//   FLOTILLA_COMPOSE_KEEP=1      leave the stack running at the end (for debugging)
//   FLOTILLA_COMPOSE='docker compose'  Compose v2 instead of docker-compose 1.29
//   CONTAINERS_SETUP=path        another setup script
// For a cold-build timing, remove the previous images and the builder's cache first:
//   docker rmi $(docker images -q 'flotilla-test/*'); docker image prune -f
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { buildImages as buildWithScript, imageRef } from '../../scripts/images.mjs';
import {
  assert,
  brief,
  buildImages,
  check,
  compose,
  COMPOSE_FILE,
  composeEnv,
  containerIds,
  DOMAIN_SERVICES,
  docker,
  generateSecrets,
  haveImage,
  http,
  imageOf,
  REGISTRY,
  images,
  inspectAll,
  log,
  notCovered,
  PROJECT,
  prepareEngine,
  prepareStackEnv,
  presentServices,
  readSecrets,
  record,
  ROOT,
  runMain,
  secs,
  serviceOf,
  setToken,
  signIn,
  sleep,
  stackUp,
  timings,
  waitHealthy,
} from './lib.mjs';

// ------------------------------------------------------------------------------------------
// Secrets

/** Strings that must never appear: every secret, and each line of the PEM key's body. */
function secretNeedles(values) {
  const needles = [];
  for (const [name, value] of Object.entries(values)) {
    if (value.includes('BEGIN')) {
      for (const line of value.split('\n')) if (line && !line.startsWith('-----')) needles.push([name, line]);
    } else {
      needles.push([name, value]);
      // A URL's password on its own, too.
      try {
        const password = new URL(value).password;
        if (password) needles.push([name, decodeURIComponent(password)]);
      } catch {}
    }
  }
  return needles.filter(([, value]) => value.length >= 12);
}

function findLeaks(text, needles) {
  return needles.filter(([, value]) => text.includes(value)).map(([name]) => name);
}

// ------------------------------------------------------------------------------------------
// Static checks: compose file, Prometheus, Grafana provisioning

async function yamlToJson(path) {
  return yaml.load(readFileSync(path, 'utf8'));
}

/** Metric names a PromQL expression uses (identifiers followed by `{`, `[` or a space). */
function metricNames(expr) {
  const names = new Set();
  const withoutStrings = expr.replace(/"[^"]*"/g, '""');
  for (const match of withoutStrings.matchAll(/\b([a-z_:][a-z0-9_:]*)\s*[{[]/g)) names.add(match[1]);
  return [...names].filter(
    (name) => !['by', 'without', 'on', 'ignoring', 'group_left', 'group_right'].includes(name),
  );
}

/** Whether a metric name is defined in the code of the tree (kit, services, prom-client defaults). */
function metricDefinedInTree(name) {
  const base = name.replace(/_(bucket|sum|count)$/, '');
  if (['up'].includes(base)) return 'prometheus';
  if (base.startsWith('process_') || base.startsWith('nodejs_')) return 'prom-client default metrics';
  const dirs = [
    join(ROOT, 'packages', 'kit', 'src'),
    ...readdirSync(join(ROOT, 'services')).map((s) => join(ROOT, 'services', s, 'src')),
  ];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    const stack = [dir];
    while (stack.length > 0) {
      const current = stack.pop();
      for (const entry of readdirSync(current, { withFileTypes: true })) {
        const path = join(current, entry.name);
        if (entry.isDirectory()) stack.push(path);
        else if (entry.name.endsWith('.ts') && readFileSync(path, 'utf8').includes(`'${base}'`)) {
          return path.slice(ROOT.length + 1);
        }
      }
    }
  }
  return undefined;
}

async function staticChecks() {
  await check('compose.yaml is valid for docker-compose 1.29 (default and monitoring profile)', async () => {
    const plain = await compose(['config', '-q']);
    assert(plain.code === 0, plain.stderr.trim());
    const monitoring = await compose(['--profile', 'monitoring', 'config', '--services']);
    assert(monitoring.code === 0, monitoring.stderr.trim());
    for (const name of ['edge', 'gateway', 'db', 'prometheus', 'grafana', 'jaeger', ...DOMAIN_SERVICES]) {
      assert(monitoring.stdout.split('\n').includes(name), `service ${name} missing from compose.yaml`);
    }
    return 'no top-level name/version; profiles, secrets, healthcheck conditions accepted';
  });

  await check('compose.yaml: networks, published port, secrets as _FILE', async () => {
    const config = await yamlToJson(COMPOSE_FILE);
    const services = config.services;
    for (const [name, service] of Object.entries(services)) {
      const ports = service.ports ?? [];
      if (name === 'edge') {
        assert(
          ports.length === 1 && String(ports[0]).startsWith('127.0.0.1:'),
          'edge must publish one loopback port',
        );
      } else if (name !== 'grafana') {
        assert(ports.length === 0, `${name} must not publish a port`);
      }
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        assert(
          !/PASSWORD|SECRET|_KEY$|DATABASE_URL$/.test(key) ||
            key.endsWith('_FILE') ||
            key === 'POSTGRES_USER',
          `${name}: ${key} should be passed as ${key}_FILE`,
        );
        assert(
          !String(value).includes('postgres://'),
          `${name}: ${key} holds a connection string with credentials`,
        );
      }
    }
    assert(JSON.stringify(services.db.networks) === '["back"]', 'db must be on the back network only');
    assert(config.networks.back.internal === true, 'the back network must be internal');
    assert(
      services.edge.networks.includes('front') && !services.edge.networks.includes('back'),
      'edge: front only',
    );
    assert(
      services.gateway.networks.includes('front') && services.gateway.networks.includes('back'),
      'gateway: front and back',
    );
    for (const name of DOMAIN_SERVICES) {
      assert(!services[name].networks.includes('front'), `${name} must not be on the front network`);
      assert(
        services[name].depends_on?.db?.condition === 'service_healthy',
        `${name} must wait for a healthy db`,
      );
    }
    return 'edge publishes 127.0.0.1 only; db on back only (internal); every secret via _FILE';
  });

  await check('.dockerignore keeps secrets, data and node_modules out of build contexts', async () => {
    const lines = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    for (const entry of ['deploy/secrets', 'data', '**/node_modules', '.git']) {
      assert(lines.includes(entry), `.dockerignore lacks ${entry}`);
    }
  });

  await check('Grafana provisioning: datasources (Prometheus, Jaeger), dashboard provider, dashboard JSON', async () => {
    const grafana = join(ROOT, 'deploy', 'grafana');
    const provisioned = [];
    for (const file of readdirSync(join(grafana, 'provisioning', 'datasources'))) {
      const datasources = await yamlToJson(join(grafana, 'provisioning', 'datasources', file));
      assert(datasources.apiVersion === 1, `${file}: datasources apiVersion must be 1`);
      provisioned.push(...datasources.datasources);
    }
    const ds = provisioned.find((d) => d.type === 'prometheus');
    assert(ds, 'no prometheus datasource');
    assert(ds.url === 'http://prometheus:9090', `datasource url ${ds.url}`);
    const traces = provisioned.find((d) => d.type === 'jaeger');
    assert(traces?.url === 'http://jaeger:16686', `jaeger datasource url ${traces?.url}`);
    const uids = new Set(provisioned.map((d) => d.uid));
    const providers = await yamlToJson(join(grafana, 'provisioning', 'dashboards', 'flotilla.yaml'));
    const provider = providers.providers[0];
    const compose = await yamlToJson(COMPOSE_FILE);
    const mount = compose.services.grafana.volumes.find((v) => String(v).startsWith('./grafana/dashboards:'));
    assert(
      mount && String(mount).split(':')[1] === provider.options.path,
      'dashboard provider path is not where compose mounts the dashboards',
    );
    const dashboards = readdirSync(join(grafana, 'dashboards')).filter((f) => f.endsWith('.json'));
    assert(dashboards.length > 0, 'no dashboard JSON');
    const dashboard = JSON.parse(readFileSync(join(grafana, 'dashboards', dashboards[0]), 'utf8'));
    assert(
      dashboard.uid && dashboard.title && Array.isArray(dashboard.panels),
      'dashboard lacks uid/title/panels',
    );
    const ids = dashboard.panels.map((p) => p.id);
    assert(new Set(ids).size === ids.length, 'duplicate panel ids');
    const exprs = [];
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
      assert(
        uids.has(panel.datasource?.uid),
        `panel "${panel.title}" does not use a provisioned datasource`,
      );
      const { x, y, w, h } = panel.gridPos;
      assert(x >= 0 && x + w <= 24 && y >= 0 && h > 0, `panel "${panel.title}" has a bad gridPos`);
      for (const target of panel.targets) if (panel.datasource.uid === ds.uid) exprs.push([panel.title, target.expr]);
    }
    const all = exprs.map(([, e]) => e).join('\n');
    for (const needed of [
      'http_requests_total',
      'http_request_duration_seconds_bucket',
      'histogram_quantile(0.95',
      'status_code=~"5..',
    ]) {
      assert(all.includes(needed), `dashboard lacks ${needed}`);
    }
    for (const title of [
      'API calls per second by service and route',
      'p95 latency by service',
      'Allocations per minute',
      'Translations per minute',
    ]) {
      assert(
        dashboard.panels.some((p) => p.title === title),
        `dashboard lacks the panel "${title}"`,
      );
    }
    // Every metric the dashboard queries should exist in the code: list the ones that do not (yet).
    const missing = new Set();
    for (const [, expr] of exprs)
      for (const name of metricNames(expr)) if (!metricDefinedInTree(name)) missing.add(name);
    return `${dashboard.panels.length} panels, ${exprs.length} queries${missing.size ? `; metrics not found in the tree yet: ${[...missing].join(', ')}` : '; every metric found in the tree'}`;
  });
}

// ------------------------------------------------------------------------------------------
// The run

async function main() {
  const present = presentServices();
  const absent = DOMAIN_SERVICES.filter((name) => !present.includes(name));
  log(
    `services in the tree: gateway, ${present.join(', ') || '(none)'}${absent.length ? `; not yet: ${absent.join(', ')}` : ''}`,
  );

  // 1. Engine and stand-in base images.
  const exported = await prepareEngine({ WITH_PROMETHEUS: '1' });
  const withPrometheus = exported.PROMETHEUS_IMAGE && (await haveImage(exported.PROMETHEUS_IMAGE));

  // 2. Secrets: generated into a private temporary directory, never the developer's own.
  const secretsDir = await prepareStackEnv(exported);

  await check(
    'npm run secrets: crypto-random files, mode 0600 in a 0700 dir, never overwritten',
    async () => {
      await generateSecrets(secretsDir);
      const first = readSecrets(secretsDir);
      const digest = (values) => createHash('sha256').update(JSON.stringify(values)).digest('hex');
      await generateSecrets(secretsDir);
      assert(digest(first) === digest(readSecrets(secretsDir)), 'a second run changed existing secrets');
      assert((statSync(secretsDir).mode & 0o777) === 0o700, 'secrets directory is not 0700');
      for (const name of Object.keys(first)) {
        assert((statSync(join(secretsDir, name)).mode & 0o777) === 0o600, `${name} is not mode 0600`);
      }
      assert(first.signing_key.startsWith('-----BEGIN PRIVATE KEY-----'), 'signing_key is not a PKCS#8 PEM');
      const distinct = new Set(
        Object.entries(first)
          .filter(([n]) => n.endsWith('_password'))
          .map(([, v]) => v),
      );
      assert(
        distinct.size === Object.keys(first).filter((n) => n.endsWith('_password')).length,
        'passwords repeat',
      );
      return `${Object.keys(first).length} files`;
    },
  );
  const secretValues = readSecrets(secretsDir);
  const needles = secretNeedles(secretValues);

  await staticChecks();
  if (withPrometheus) {
    await check('prometheus.yml passes promtool check config', async () => {
      const result = await docker([
        'run',
        '--rm',
        '--network',
        'none',
        '--entrypoint',
        'promtool',
        '-v',
        `${join(ROOT, 'deploy', 'prometheus', 'prometheus.yml')}:/etc/prometheus/prometheus.yml:ro`,
        '-v',
        `${join(ROOT, 'deploy', 'prometheus', 'alerts.yml')}:/etc/prometheus/alerts.yml:ro`,
        exported.PROMETHEUS_IMAGE,
        'check',
        'config',
        '/etc/prometheus/prometheus.yml',
      ]);
      assert(result.code === 0, (result.stdout + result.stderr).trim());
      assert(/1 rule files found/.test(result.stdout + result.stderr), 'the alert rules were not checked with the config');
    });
  }

  // The trace backend. No Jaeger image exists on these machines: unless JAEGER_IMAGE names one, a
  // stand-in built from the Node stand-in runs as the `jaeger` service, receiving OTLP/HTTP on
  // :4318 as Jaeger does and answering the part of Jaeger's query API the checks read (see
  // otlp-receiver.mjs). Every service exports to it (FLOTILLA_OTLP_ENDPOINT, default protocol
  // http/protobuf, decoded by the stand-in).
  await check('trace backend: the Jaeger image, or a stand-in OTLP receiver built here', async () => {
    if (process.env.JAEGER_IMAGE) {
      composeEnv.JAEGER_IMAGE = process.env.JAEGER_IMAGE;
      jaegerStandIn = false;
    } else {
      const ref = `${REGISTRY}/otlp-receiver:compose`;
      const dockerfile = [
        `FROM ${exported.NODE_IMAGE}`,
        'COPY otlp-receiver.mjs /opt/otlp-receiver/otlp-receiver.mjs',
        'USER 10001',
        'EXPOSE 4318 16686',
        'CMD ["node", "/opt/otlp-receiver/otlp-receiver.mjs"]',
      ].join('\n');
      const built = await docker(['build', '-q', '-t', ref, '-f', '-', join(ROOT, 'tests', 'compose')], { input: dockerfile });
      assert(built.code === 0, built.stderr.slice(-1500));
      composeEnv.JAEGER_IMAGE = ref;
      jaegerStandIn = true;
    }
    composeEnv.FLOTILLA_OTLP_ENDPOINT = 'http://jaeger:4318';
    return jaegerStandIn
      ? `stand-in ${composeEnv.JAEGER_IMAGE} (no Jaeger image here; jaegertracing/jaeger itself is not run)`
      : `JAEGER_IMAGE=${composeEnv.JAEGER_IMAGE}`;
  });

  // 3. Images.
  await buildImages(exported, present);

  if (present.includes('translation')) {
    await check(
      'translation image: TRANSLATION_MODEL=bake builds whether or not the model host is reachable',
      async () => {
        // The release's build (scripts/images.mjs), with the model baked in, under a tag of its own.
        let result = { code: 1, stdout: 'the build did not start', stderr: '' };
        await buildWithScript({
          registry: REGISTRY,
          tag: 'bake-probe',
          only: ['translation'],
          env: { ...process.env, NODE_IMAGE: exported.NODE_IMAGE, NGINX_IMAGE: exported.NGINX_IMAGE },
          extraArgs: { TRANSLATION_MODEL: 'bake' },
          onResult: (r) => {
            result = { code: r.ok ? 0 : 1, stdout: r.output, stderr: '' };
          },
        }).catch(() => {});
        const probe = imageRef(REGISTRY, 'translation', 'bake-probe');
        await docker(['rmi', probe]);
        assert(result.code === 0, (result.stdout + result.stderr).slice(-2000));
        const baked = /model installed in/.test(result.stdout + result.stderr);
        return baked
          ? 'model downloaded and baked in'
          : 'model host unreachable here: build went on without it (dictionary engine)';
      },
    );
  }

  await check('images: non-root user, HEALTHCHECK, OCI labels', async () => {
    const problems = [];
    for (const name of Object.keys(images)) {
      const [info] = JSON.parse(
        (await docker(['image', 'inspect', imageOf(name)])).stdout,
      );
      const user = info.Config.User;
      if (!user || user === 'root' || user.startsWith('0')) problems.push(`${name}: runs as root`);
      if (!info.Config.Healthcheck?.Test?.length) problems.push(`${name}: no HEALTHCHECK`);
      const labels = info.Config.Labels ?? {};
      for (const label of [
        'org.opencontainers.image.title',
        'org.opencontainers.image.source',
        'org.opencontainers.image.revision',
      ]) {
        if (!labels[label]) problems.push(`${name}: no ${label}`);
      }
    }
    assert(problems.length === 0, problems.join('; '));
    return `${Object.keys(images).length} images`;
  });

  await check(
    'images: production dependencies only (no typescript, vitest, vite in node_modules)',
    async () => {
      const problems = [];
      for (const name of Object.keys(images).filter((n) => n !== 'edge')) {
        const probe = await docker([
          'run',
          '--rm',
          '--network',
          'none',
          '--entrypoint',
          'sh',
          imageOf(name),
          '-c',
          'for p in typescript vitest vite eslint tsx; do [ -e /app/node_modules/$p ] && echo $p; done; ls /app/services/*/src 2>/dev/null | head -1; true',
        ]);
        if (probe.stdout.trim()) problems.push(`${name}: ${probe.stdout.trim().replace(/\n/g, ', ')}`);
      }
      assert(problems.length === 0, problems.join('; '));
    },
  );

  // 4. The stack.
  const running = ['db', ...present, 'gateway', 'edge'];
  await stackUp(running, secretsDir);

  await runStackChecks(present, absent, withPrometheus, needles, running);
}

async function runStackChecks(present, absent, withPrometheus, needles, running) {
  const has = (name) => present.includes(name);

  await check('edge: /healthz through nginx reaches the gateway', async () => {
    const r = await http('GET', '/healthz', { auth: false });
    assert(r.status === 200 && r.json?.status === 'ok', brief(r));
  });

  await check('edge: web app, security headers, request id, gzip', async () => {
    const page = await http('GET', '/', { auth: false, headers: { accept: 'text/html' } });
    assert(page.status === 200 && /<html|<!doctype/i.test(page.text), brief(page));
    for (const header of [
      'x-content-type-options',
      'x-frame-options',
      'referrer-policy',
      'content-security-policy',
    ]) {
      assert(page.headers.get(header), `no ${header} header`);
    }
    assert(!page.headers.get('server')?.match(/\d/), 'nginx version disclosed');
    const asset = page.text.match(/(?:src|href)="(\/assets\/[^"]+\.js)"/)?.[1];
    assert(asset, 'index.html does not load a Vite bundle from /assets/');
    const bundle = await http('GET', asset, { auth: false, headers: { 'accept-encoding': 'gzip' } });
    assert(bundle.status === 200, `${asset}: ${bundle.status}`);
    assert(
      /immutable/.test(bundle.headers.get('cache-control') ?? ''),
      `${asset} is not cached as immutable`,
    );
    assert(bundle.headers.get('content-encoding') === 'gzip', `${asset} is not gzipped`);
    const deep = await http('GET', '/some/client/route', { auth: false, headers: { accept: 'text/html' } });
    assert(deep.status === 200 && deep.text === page.text, 'SPA fallback to index.html missing');
    const traced = await http('GET', '/openapi.json', {
      auth: false,
      headers: { 'x-request-id': 'compose-test-1', 'accept-encoding': 'gzip' },
    });
    assert(traced.headers.get('x-request-id') === 'compose-test-1', 'x-request-id not kept');
    assert(
      traced.headers.get('content-encoding') === 'gzip',
      `openapi.json not gzipped (${traced.headers.get('content-encoding')})`,
    );
  });

  await check('edge: internal endpoints (/metrics) are not exposed', async () => {
    const r = await http('GET', '/metrics', { auth: false });
    assert(!r.text.includes('http_requests_total'), 'gateway metrics are reachable through the edge');
  });

  await check('metrics: not on the gateway’s own port (8080), on its metrics port (9464) only', async () => {
    const gateway = (await compose(['ps', '-q', 'gateway'])).stdout.trim();
    const probe = `const get = async (port) => { const r = await fetch('http://127.0.0.1:' + port + '/metrics'); return r.status + ' ' + ((await r.text()).includes('http_requests_total') ? 'metrics' : 'other'); };
      console.log(await get(8080), '|', await get(9464));`;
    const r = await docker(['exec', gateway, 'node', '--input-type=module', '-e', probe]);
    assert(r.code === 0, r.stderr.trim().slice(-500));
    const [public_, metrics] = r.stdout.trim().split(' | ');
    assert(public_ === '404 other', `the gateway's port answers /metrics: ${public_}`);
    assert(metrics === '200 metrics', `the metrics port: ${metrics}`);
    return 'GET /metrics on 8080 → 404; on 9464 → 200 (reached by Prometheus on the back network only)';
  });

  await check('edge: request size limit (2 MB body → 413)', async () => {
    const r = await http('POST', '/api/cars', {
      raw: 'x'.repeat(2 * 1024 * 1024),
      headers: { 'content-type': 'application/json' },
    }).catch((e) => ({ status: 0, text: String(e), headers: new Headers() }));
    assert(r.status === 413, brief(r));
  });

  await check('docs: Swagger UI at /docs and the merged OpenAPI document', async () => {
    const docs = await http('GET', '/docs', { auth: false, headers: { accept: 'text/html' } });
    assert(docs.status === 200 && /swagger/i.test(docs.text), brief(docs));
    const spec = await http('GET', '/openapi.json', { auth: false });
    assert(spec.status === 200 && spec.json?.paths, brief(spec));
    const paths = Object.keys(spec.json.paths);
    const expected = {
      users: '/api/auth/login',
      fleet: '/api/{type}',
      translation: '/api/translate',
      stats: '/api/stats',
    };
    const missing = present.filter((s) => !paths.some((p) => p.startsWith(expected[s])));
    assert(missing.length === 0, `no paths from ${missing.join(', ')} in the merged document`);
    return `${paths.length} paths`;
  });

  // Sign in.
  if (has('users')) {
    await check('users: admin signs in with the generated admin_password secret', async () => {
      const r = await signIn();
      assert(r.status === 200 && r.json?.accessToken, brief(r));
      const me = await http('GET', '/api/auth/me');
      assert(me.status === 200, `GET /api/auth/me: ${brief(me)}`);
    });
    await check('users: note 003 API through nginx (/create_user, /get_user)', async () => {
      const id = 900_000 + (process.pid % 99_999);
      const created = await http('POST', `/create_user?userid=${id}&username=compose${id}`);
      assert(created.status === 201, `create_user: ${brief(created)}`);
      const again = await http('POST', `/create_user?userid=${id}&username=compose${id}`);
      assert(again.status === 409, `create_user twice: ${brief(again)}`);
      const got = await http('GET', `/get_user?userid=${id}`);
      assert(got.status === 200 && got.json?.username === `compose${id}`, `get_user: ${brief(got)}`);
      state.legacyUser = id;
    });
  } else notCovered('sign in', 'users service not in the tree yet');

  // Fleet.
  if (has('fleet')) {
    await check('fleet: create a car, book it, 409 on an overlapping booking', async () => {
      const anonymous = await http('GET', '/api/cars', { auth: false });
      const car = await http('POST', '/api/cars', {
        body: { name: `compose-car-${process.pid}` },
        headers: { 'idempotency-key': `car-${process.pid}` },
      });
      assert(car.status === 201 && car.json?.id, `POST /api/cars: ${brief(car)}`);
      const day = new Date(Date.UTC(2031, 0, 1 + (process.pid % 300)));
      const at = (hours) => new Date(day.getTime() + hours * 3_600_000).toISOString();
      const booking = await http('POST', `/api/cars/${car.json.id}/allocations`, {
        body: { start: at(9), end: at(12), holder: 'compose-test' },
      });
      assert(booking.status === 201 && booking.json?.id, `booking: ${brief(booking)}`);
      const overlap = await http('POST', `/api/cars/${car.json.id}/allocations`, {
        body: { start: at(11), end: at(13) },
      });
      assert(overlap.status === 409, `overlap: ${brief(overlap)}`);
      assert(
        String(overlap.headers.get('content-type')).includes('problem+json'),
        'the 409 is not problem+json',
      );
      const adjacent = await http('POST', `/api/cars/${car.json.id}/allocations`, {
        body: { start: at(12), end: at(13) },
      });
      assert(adjacent.status === 201, `back-to-back booking: ${brief(adjacent)}`);
      state.car = car.json.id;
      state.allocation = booking.json.id;
      return `car ${car.json.id}; anonymous GET /api/cars → ${anonymous.status}`;
    });
  } else notCovered('fleet: car, booking, 409 on overlap', 'fleet service not in the tree yet');

  // Translation.
  if (has('translation')) {
    await check('translation: translate a German text', async () => {
      const r = await http('POST', '/api/translate', {
        body: { text_de: 'Das Auto ist rot. Guten Morgen!' },
        timeoutMs: 60_000,
      });
      assert(r.status === 201 && r.json?.text_en && r.json?.engine, brief(r));
      state.translation = r.json.id;
      return `engine ${r.json.engine}: "${r.json.text_en.slice(0, 60)}"`;
    });
    await check('translation: SQL console query finds it (read-only role)', async () => {
      const r = await http('POST', '/api/sql', {
        body: { query: 'select id, text_de, text_en from translations order by id desc limit 5' },
      });
      assert(r.status === 200 && Array.isArray(r.json?.rows), brief(r));
      assert(
        JSON.stringify(r.json.rows).includes('Das Auto ist rot'),
        'the new translation is not in the result',
      );
      const write = await http('POST', '/api/sql', { body: { query: 'delete from translations' } });
      assert(write.status >= 400 && write.status < 500, `a write through the console: ${brief(write)}`);
    });
  } else notCovered('translation: translate + SQL console', 'translation service not in the tree yet');

  if (has('stats')) {
    await check('stats: API answers through the gateway', async () => {
      const r = await http('GET', '/api/stats/runs');
      assert(r.status === 200, brief(r));
    });
  } else notCovered('stats API', 'stats service not in the tree yet');

  await check(
    'containers: read-only root, non-root, memory limit, no published port but the edge',
    async () => {
      const infos = await inspectAll(await containerIds());
      const problems = [];
      for (const info of infos) {
        const name = serviceOf(info);
        const host = info.HostConfig;
        if (!host.ReadonlyRootfs) problems.push(`${name}: writable root filesystem`);
        if (!(host.Memory > 0)) problems.push(`${name}: no memory limit`);
        if (
          name !== 'db' &&
          (!info.Config.User || info.Config.User === 'root' || info.Config.User.startsWith('0'))
        )
          problems.push(`${name}: root`);
        if (name !== 'db' && !(host.CapDrop ?? []).includes('ALL'))
          problems.push(`${name}: capabilities not dropped`);
        if (['gateway', ...DOMAIN_SERVICES].includes(name) && !host.Init) problems.push(`${name}: no init`);
        const bindings = Object.values(host.PortBindings ?? {})
          .flat()
          .filter(Boolean);
        if (name === 'edge') {
          if (!bindings.every((b) => b.HostIp === '127.0.0.1'))
            problems.push('edge: published beyond loopback');
        } else if (bindings.length > 0) problems.push(`${name}: publishes a port`);
        if (name === 'db' && Object.keys(info.NetworkSettings.Networks).some((n) => !n.endsWith('_back')))
          problems.push('db: not on the back network only');
      }
      assert(problems.length === 0, problems.join('; '));
      return `${infos.length} containers`;
    },
  );

  if (has('users')) {
    await check('users image: @node-rs/argon2 native binding loads (optional dependency kept)', async () => {
      const ids = (await compose(['ps', '-q', 'users'])).stdout.trim();
      const r = await docker([
        'exec',
        ids,
        'node',
        '--input-type=module',
        '-e',
        "const a = await import('@node-rs/argon2'); await a.hash('probe'); console.log('ok')",
      ]);
      assert(r.code === 0 && r.stdout.includes('ok'), r.stderr.trim().slice(-500));
    });
  }

  await check(
    'database: one role and database per service, no superuser apps, console role read-only',
    async () => {
      const db = (await compose(['ps', '-q', 'db'])).stdout.trim();
      const sql = `select rolname, rolsuper, rolcreatedb, rolcreaterole, coalesce(array_to_string(rolconfig, ','), '') from pg_roles where rolname !~ '^pg_' order by 1;
                 select datname, pg_get_userbyid(datdba), array_to_string(datacl, ',') from pg_database where not datistemplate order by 1;`;
      const r = await docker(['exec', '-u', 'postgres', db, 'psql', '-U', 'postgres', '-At', '-c', sql]);
      assert(r.code === 0, r.stderr);
      const lines = r.stdout.trim().split('\n');
      for (const service of present) {
        const role = lines.find((l) => l.startsWith(`${service}|`));
        assert(role === `${service}|f|f|f|`, `role ${service}: ${role}`);
        const database = lines.find((l) => l.startsWith(`${service}|${service}|`));
        assert(database, `database ${service} missing or not owned by its role`);
        assert(!/(^|,)=[A-Za-z]*c/.test(database.split('|')[2]), `PUBLIC may connect to ${service}`);
      }
      if (has('translation')) {
        const consoleRole = lines.find((l) => l.startsWith('translation_console|'));
        assert(consoleRole?.includes('default_transaction_read_only=on'), `console role: ${consoleRole}`);
      }
      if (has('fleet') && has('users')) {
        const crossing = await docker([
          'exec',
          db,
          'sh',
          '-c',
          `PGPASSWORD="$(cat /run/secrets/fleet_db_password)" psql -h 127.0.0.1 -U fleet -d users -c 'select 1'`,
        ]);
        assert(crossing.code !== 0, 'the fleet role can connect to the users database');
      }
      return `roles: ${lines
        .filter((l) => l.split('|').length === 5)
        .map((l) => l.split('|')[0])
        .join(', ')}`;
    },
  );

  if (withPrometheus) {
    await check('monitoring: Prometheus (ci/prometheus:2) scrapes every service up, on their metrics port', async () => {
      const up = await compose(
        ['--profile', 'monitoring', 'up', '-d', '--no-build', '--no-deps', 'jaeger', 'prometheus'],
        { timeoutMs: 120_000 },
      );
      assert(up.code === 0, up.stderr.slice(-1500));
      await waitHealthy([...running, 'prometheus'], 90_000);
      const id = (await compose(['ps', '-q', 'prometheus'])).stdout.trim();
      const [info] = await inspectAll([id]);
      const ip = Object.entries(info.NetworkSettings.Networks).find(([n]) => n.endsWith('_monitoring'))?.[1]
        ?.IPAddress;
      assert(ip, 'no address on the monitoring network');
      const wanted = ['gateway', ...present];
      let health = {};
      const began = Date.now();
      while (Date.now() - began < 60_000) {
        try {
          const r = await fetch(`http://${ip}:9090/api/v1/targets`, { signal: AbortSignal.timeout(3000) });
          const body = await r.json();
          health = Object.fromEntries(body.data.activeTargets.map((t) => [t.labels.job, t.health]));
          if (wanted.every((job) => health[job] === 'up')) break;
        } catch {}
        await sleep(2000);
      }
      const down = wanted.filter((job) => health[job] !== 'up');
      assert(down.length === 0, `not up: ${down.map((j) => `${j}=${health[j]}`).join(', ')}`);
      const q = await (
        await fetch(
          `http://${ip}:9090/api/v1/query?query=${encodeURIComponent('sum by (service) (http_requests_total)')}`,
        )
      ).json();
      const seen = q.data.result.map((s) => s.metric.service).sort();
      assert(
        wanted.every((s) => seen.includes(s)),
        `http_requests_total only from ${seen.join(', ')}`,
      );
      const targets = await (await fetch(`http://${ip}:9090/api/v1/targets`)).json();
      const scraped = targets.data.activeTargets.filter((t) => wanted.includes(t.labels.job)).map((t) => t.labels.instance);
      assert(scraped.every((instance) => instance.endsWith(':9464')), `scraped at ${scraped.join(', ')}`);
      // Saturation series: event-loop lag (every process) and the database pool's wait (domain services).
      const series = async (query) =>
        (await (await fetch(`http://${ip}:9090/api/v1/query?query=${encodeURIComponent(query)}`)).json()).data.result.map((r) => r.metric.service).sort();
      const lag = await series('max by (service) (nodejs_eventloop_lag_p99_seconds)');
      assert(wanted.every((s) => lag.includes(s)), `event-loop lag only from ${lag.join(', ')}`);
      const pool = await series('sum by (service) (db_pool_wait_seconds_count)');
      assert(present.every((s) => pool.includes(s)), `db_pool_wait_seconds only from ${pool.join(', ')}`);
      return `up: ${wanted.join(', ')} at :9464${absent.length ? ` (not deployed: ${absent.join(', ')})` : ''}`;
    });

    await check('monitoring: Prometheus loaded the alert rules (deploy/prometheus/alerts.yml)', async () => {
      const ip = await addressOn('prometheus', 'monitoring');
      // Each rule group is evaluated on its own schedule (every 30 s, staggered): until a group's
      // first evaluation its rules report "unknown", so wait for every rule to have been evaluated.
      let alerts = [];
      for (const until = Date.now() + 75_000; Date.now() < until; await sleep(2_000)) {
        const body = await (await fetch(`http://${ip}:9090/api/v1/rules`, { signal: AbortSignal.timeout(5000) })).json();
        alerts = body.data.groups.flatMap((g) => g.rules.filter((r) => r.type === 'alerting').map((r) => `${r.name}:${r.health}`));
        if (alerts.length > 0 && !alerts.some((a) => a.endsWith(':unknown'))) break;
      }
      for (const name of ['FlotillaServiceDown', 'FlotillaHighErrorRate', 'FlotillaHighLatencyP95', 'FlotillaDatabasePoolExhausted']) {
        assert(alerts.includes(`${name}:ok`), `${name} not loaded and healthy: ${alerts.join(', ')}`);
      }
      return alerts.join(', ');
    });
  } else {
    notCovered('monitoring: Prometheus targets', 'no ci/prometheus stand-in (setup WITH_PROMETHEUS=1)');
    const up = await compose(['--profile', 'monitoring', 'up', '-d', '--no-build', '--no-deps', 'jaeger'], { timeoutMs: 120_000 });
    if (up.code !== 0) record('monitoring: the trace backend starts', 'fail', up.stderr.slice(-1500));
  }

  await check(
    `traces: spans leave the containers and reach the trace backend (${jaegerStandIn ? 'the OTLP stand-in, not Jaeger' : 'Jaeger'}), one trace from the edge through gateway and fleet into SQL`,
    async () => {
      assert(has('fleet'), 'fleet is not in the tree');
      const ip = await addressOn('jaeger', 'monitoring');
      assert(ip, 'the trace backend has no address on the monitoring network');
      const query = async (path) => {
        try {
          const r = await fetch(`http://${ip}:16686${path}`, { signal: AbortSignal.timeout(3000) });
          return r.ok ? await r.json() : undefined;
        } catch {
          return undefined;
        }
      };
      const poll = async (path, ready, what) => {
        const began = Date.now();
        for (;;) {
          const body = await query(path);
          if (body && ready(body)) return body;
          if (Date.now() - began > 90_000) throw new Error(`${what}: not there after 90 s (${JSON.stringify(body)?.slice(0, 300)})`);
          await sleep(1000);
        }
      };
      await poll('/api/services', () => true, 'the query API');
      // A client's own trace context, which the edge passes on; and a request without one, for
      // which the edge starts the trace (its id is the request id nginx made up).
      const traceId = randomBytes(16).toString('hex');
      const clientSpan = randomBytes(8).toString('hex');
      const passed = await http('GET', '/api/cars', { headers: { traceparent: `00-${traceId}-${clientSpan}-01` } });
      assert(passed.status === 200, `GET /api/cars: ${brief(passed)}`);
      const started = await http('GET', '/api/cars');
      assert(started.status === 200, `GET /api/cars: ${brief(started)}`);
      const edgeTraceId = started.headers.get('x-request-id');
      assert(/^[0-9a-f]{32}$/.test(edgeTraceId ?? ''), `the edge's request id is not a trace id: ${edgeTraceId}`);

      const spansOf = (body) => {
        const [trace] = body.data ?? [];
        return (trace?.spans ?? []).map((span) => ({
          ...span,
          service: trace.processes[span.processID]?.serviceName,
          parent: span.references?.find((r) => r.refType === 'CHILD_OF')?.spanID ?? '',
          tag: (key) => span.tags.find((t) => t.key === key)?.value,
        }));
      };
      const complete = (body) => {
        const spans = spansOf(body);
        return spans.some((s) => s.service === 'fleet' && s.operationName.startsWith('pg.query')) && spans.some((s) => s.service === 'gateway');
      };
      const spans = spansOf(await poll(`/api/traces/${traceId}`, complete, `trace ${traceId}`));
      const byId = new Map(spans.map((s) => [s.spanID, s]));
      const servers = spans.filter((s) => s.tag('span.kind') === 'server' && s.tag('http.request.method'));
      const gatewayServer = servers.find((s) => s.service === 'gateway');
      const fleetServer = servers.find((s) => s.service === 'fleet');
      assert(gatewayServer?.parent === clientSpan, `the gateway's span does not continue the client's (${gatewayServer?.parent})`);
      const hop = byId.get(fleetServer?.parent ?? '');
      assert(hop?.service === 'gateway' && hop.tag('span.kind') === 'client', 'fleet’s span is not the child of a gateway client span');
      const sql = spans.filter((s) => s.service === 'fleet' && s.operationName.startsWith('pg.query'));
      assert(sql.every((s) => s.tag('db.system.name') === 'postgresql'), 'SQL spans without db.system.name=postgresql');
      const protocols = new Set(spans.map((s) => s.tag('otlp.protocol')).filter(Boolean));
      const edgeSpans = spansOf(await poll(`/api/traces/${edgeTraceId}`, (body) => spansOf(body).some((s) => s.service === 'fleet'), `trace ${edgeTraceId}`));
      const edgeGateway = edgeSpans.find((s) => s.service === 'gateway' && s.tag('span.kind') === 'server' && s.tag('http.request.method'));
      assert(edgeGateway?.parent === edgeTraceId.slice(0, 16), `the gateway's span does not continue the edge's (${edgeGateway?.parent})`);
      return `trace ${traceId}: ${spans.length} spans from ${[...new Set(spans.map((s) => s.service))].join(', ')}, ${sql.length} SQL${protocols.size ? ` (${[...protocols].join(', ')})` : ''}; edge-started trace ${edgeTraceId}: ${edgeSpans.length} spans`;
    },
  );
  notCovered(
    'monitoring: Grafana running (its Prometheus and Jaeger data sources, the dashboard and its trace links)',
    'no Grafana image on these machines; its provisioning files are parsed instead (here and in npm test)',
  );
  if (jaegerStandIn) {
    notCovered(
      'traces: Jaeger itself storing and showing them',
      'no Jaeger image on these machines (JAEGER_IMAGE=… runs the real one); the OTLP stand-in proves spans leave the containers',
    );
  }

  // Outage of one service: fast 503, then recovery.
  if (has('fleet')) {
    await check('gateway: fleet stopped → 503 problem+json fast; recovers when it returns', async () => {
      const stop = await compose(['stop', 'fleet']);
      assert(stop.code === 0, stop.stderr);
      const r = await http('GET', '/api/cars');
      assert(r.status === 503, `with fleet stopped: ${brief(r)}`);
      assert(r.ms < 3000, `503 took ${r.ms} ms`);
      assert(String(r.headers.get('content-type')).includes('problem+json'), 'the 503 is not problem+json');
      const other = await http('GET', '/healthz', { auth: false });
      assert(other.status === 200, 'the gateway itself went down with fleet');
      await compose(['start', 'fleet']);
      const began = Date.now();
      let back;
      while (Date.now() - began < 90_000) {
        back = await http('GET', '/api/cars').catch(() => undefined);
        if (back?.status === 200) break;
        await sleep(1000);
      }
      assert(back?.status === 200, `not recovered: ${back ? brief(back) : 'no answer'}`);
      return `503 in ${r.ms} ms; 200 again ${secs(Date.now() - began)} after start`;
    });
  } else {
    await check('gateway: a service that is not deployed → 503 fast', async () => {
      const r = await http('GET', '/api/cars');
      assert(r.status === 503 && r.ms < 3000, `${brief(r)} in ${r.ms} ms`);
      return `503 in ${r.ms} ms (fleet not in the tree: recovery not covered)`;
    });
  }

  // Memory in use against each limit, for the summary (limits are set in compose.yaml).
  {
    const stats = await docker([
      'stats',
      '--no-stream',
      '--format',
      '{{.Name}}\t{{.MemUsage}}',
      ...(await containerIds()),
    ]);
    timings.memory = stats.stdout
      .trim()
      .split('\n')
      .map((line) => line.replace(`${PROJECT}_`, '').replace(`${PROJECT}-`, '').replace(/[_-]1\t/, ': '));
  }

  // Secrets never in images, container metadata or logs.
  await check('no secret value in docker inspect, image history/config or logs', async () => {
    let text = '';
    for (const name of Object.keys(images)) {
      const ref = imageOf(name);
      text += (await docker(['history', '--no-trunc', ref])).stdout;
      text += (await docker(['image', 'inspect', ref])).stdout;
    }
    text += JSON.stringify(await inspectAll(await containerIds()));
    const logs = (await compose(['logs', '--no-color'])).stdout;
    const leaks = [
      ...new Set([...findLeaks(text, needles), ...findLeaks(logs, needles).map((n) => `${n} (logs)`)]),
    ];
    assert(leaks.length === 0, `found: ${leaks.join(', ')}`);
    return `${needles.length} secret strings searched in ${Object.keys(images).length} images, their history, ${running.length}+ containers and the logs`;
  });

  // Graceful stop, then down (volumes kept) and up again: the data is still there.
  await check('SIGTERM drain: node services stop with exit code 0 well before the kill timeout', async () => {
    const began = Date.now();
    const stop = await compose(['stop', '-t', '20', ...running.filter((s) => s !== 'db' && s !== 'edge')]);
    assert(stop.code === 0, stop.stderr);
    const infos = await inspectAll(await containerIds());
    const codes = Object.fromEntries(
      infos.filter((i) => i.State.Status === 'exited').map((i) => [serviceOf(i), i.State.ExitCode]),
    );
    const bad = Object.entries(codes).filter(([, code]) => code !== 0);
    assert(bad.length === 0, `exit codes: ${JSON.stringify(codes)}`);
    return `${Object.keys(codes).length} stopped in ${secs(Date.now() - began)}`;
  });

  await check('docker-compose down (volumes kept) and up: data survives', async () => {
    const down = await compose(['--profile', 'monitoring', 'down', '-t', '20']);
    assert(down.code === 0, down.stderr);
    const up = await compose(['up', '-d', '--no-build', ...running], { timeoutMs: 300_000 });
    assert(up.code === 0, up.stderr.slice(-2000));
    const ms = await waitHealthy(running);
    timings.restart = up.ms + ms;
    const kept = [];
    if (has('users')) {
      const password = readFileSync(join(composeEnv.FLOTILLA_SECRETS_DIR, 'admin_password'), 'utf8').trim();
      const login = await http('POST', '/api/auth/login', {
        auth: false,
        body: { username: 'admin', password },
      });
      assert(login.status === 200, `login after restart: ${brief(login)}`);
      setToken(login.json.accessToken);
      if (state.legacyUser) {
        const got = await http('GET', `/get_user?userid=${state.legacyUser}`);
        assert(got.status === 200, `user after restart: ${brief(got)}`);
        kept.push('user');
      }
    }
    if (state.car) {
      const car = await http('GET', `/api/cars/${state.car}`);
      assert(car.status === 200, `car after restart: ${brief(car)}`);
      const booking = await http('GET', `/api/cars/${state.car}/allocations/${state.allocation}`);
      assert(booking.status === 200, `booking after restart: ${brief(booking)}`);
      kept.push('car', 'booking');
    }
    if (state.translation) {
      const t = await http('GET', `/api/translations/${state.translation}`);
      assert(t.status === 200, `translation after restart: ${brief(t)}`);
      kept.push('translation');
    }
    assert(kept.length > 0 || present.length === 0, 'nothing was created to check');
    return `${kept.join(', ') || 'no domain service yet'} still there; healthy again in ${secs(up.ms + ms)}`;
  });
}

const state = {};
let jaegerStandIn = true;

/** A container's address on one of the project's networks (`_monitoring`, `_back`). */
async function addressOn(service, network) {
  const id = (await compose(['ps', '-q', service])).stdout.trim();
  const [info] = await inspectAll([id]);
  return Object.entries(info.NetworkSettings.Networks).find(([n]) => n.endsWith(`_${network}`))?.[1]?.IPAddress;
}

function figures() {
  const lines = [];
  if (timings.setup !== undefined) lines.push(`container setup: ${secs(timings.setup)}`);
  for (const [name, image] of Object.entries(images)) {
    lines.push(
      `image ${name.padEnd(12)} ${(image.bytes / 1e6).toFixed(0).padStart(4)} MB${Number.isFinite(image.baseBytes) ? ` (+${((image.bytes - image.baseBytes) / 1e6).toFixed(1)} MB over its base)` : ''}, ${image.seconds === undefined ? `given${image.digest ? ` (${image.digest})` : ''}, not built here` : `built in ${image.seconds.toFixed(1)} s`}`,
    );
  }
  if (timings.builds !== undefined) lines.push(`all images built in ${secs(timings.builds)} (wall clock)`);
  if (timings.stackStart !== undefined)
    lines.push(`stack start (up → all healthy): ${secs(timings.stackStart)}`);
  if (timings.restart !== undefined)
    lines.push(`restart after down (up → all healthy): ${secs(timings.restart)}`);
  if (timings.memory) lines.push(`memory in use / limit after the checks: ${timings.memory.join('; ')}`);
  return lines;
}

await runMain('test:compose', main, figures);
