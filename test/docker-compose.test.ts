// No Docker engine runs on the project's machines, so docker-compose.yml is
// checked for the structure the README promises instead of being run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { TEMPORAL_SERVER_VERSION } from '../scripts/temporal-server.mjs';
import { configVariables } from './helpers/config-variables.js';
import { PROJECT_ROOT } from './helpers/processes.js';

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  stop_grace_period?: string;
}
const compose = parse(readFileSync(join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const services = compose.services;

describe('docker-compose.yml', () => {
  it('has Temporal on PostgreSQL, the Temporal UI, the project database and the worker', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['temporal-db', 'app-db', 'temporal', 'temporal-ui', 'worker']));
    expect(services.temporal!.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'temporal-db' });
    expect(services.worker!.build).toBe('.');
  });

  it('pins every image tag', () => {
    for (const [name, s] of Object.entries(services)) {
      if (s.image) expect(s.image, name).toMatch(/^[\w./-]+:v?\d[\w.-]*$/);
    }
  });

  it('publishes Temporal on 7233 and the UI on 8233 as the README says', () => {
    expect(services.temporal!.ports).toContain('7233:7233');
    expect(services['temporal-ui']!.ports).toContain('8233:8080');
  });

  it('serves the HTTP API on every interface of the worker container and publishes it on 7080', () => {
    expect(services.worker!.environment).toMatchObject({ AUTOBUILD_API_HOST: '0.0.0.0', AUTOBUILD_API_PORT: '7080' });
    expect(services.worker!.ports).toContain('7080:7080');
    const dockerfile = readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^ENV AUTOBUILD_API_HOST=0\.0\.0\.0 AUTOBUILD_API_PORT=7080$/m);
    expect(dockerfile).toMatch(/^EXPOSE 7080$/m);
  });

  it('gives every long-running service a health check and orders start-up by dependencies', () => {
    for (const name of ['temporal-db', 'app-db', 'temporal', 'temporal-ui', 'worker', 'prometheus']) {
      expect(services[name]!.healthcheck?.test, name).toBeDefined();
    }
    expect(services.temporal!.depends_on).toEqual({ 'temporal-setup': { condition: 'service_completed_successfully' } });
    expect(services.worker!.depends_on).toEqual({
      'app-db': { condition: 'service_healthy' },
      'temporal-init': { condition: 'service_completed_successfully' },
    });
  });

  it("keeps both databases and Prometheus' data on named volumes", () => {
    expect(Object.keys(compose.volumes)).toEqual(['temporal-db', 'app-db', 'prometheus']);
    expect(services.prometheus!.volumes).toContain('prometheus:/prometheus');
    expect(services['temporal-db']!.volumes).toContain('temporal-db:/var/lib/postgresql/data');
    expect(services['app-db']!.volumes).toContain('app-db:/var/lib/postgresql/data');
  });

  it('sets only variables the configuration module reads on the worker, pointing at the compose services', () => {
    const env = services.worker!.environment!;
    const known = configVariables();
    for (const name of Object.keys(env)) expect(known, `${name} is not read by src/runtime/config.ts`).toContain(name);
    expect(env.DATABASE_URL).toBe('postgres://autobuild:autobuild@app-db:5432/autobuild');
    expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it("checks the worker's health through /readyz with Node's fetch, in the compose file and in the Dockerfile alike", () => {
    const [cmd, node, flag, script] = services.worker!.healthcheck!.test;
    expect([cmd, node, flag]).toEqual(['CMD', 'node', '-e']);
    expect(script).toMatch(/^fetch\('http:\/\/127\.0\.0\.1:'\+\(process\.env\.AUTOBUILD_METRICS_PORT\|\|9464\)\+'\/readyz'/);
    const dockerfile = readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain(`CMD ["node", "-e", ${JSON.stringify(script)}]`);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
  });

  it("publishes the worker's metrics (9464) and the Temporal SDK's (9465) on every interface of its container", () => {
    expect(services.worker!.environment).toMatchObject({
      AUTOBUILD_METRICS_HOST: '0.0.0.0',
      AUTOBUILD_METRICS_PORT: '9464',
      AUTOBUILD_SDK_METRICS_PORT: '9465',
    });
    expect(services.worker!.ports).toEqual(expect.arrayContaining(['9464:9464', '9465:9465']));
    const dockerfile = readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^ENV AUTOBUILD_METRICS_HOST=0\.0\.0\.0 AUTOBUILD_METRICS_PORT=9464 AUTOBUILD_SDK_METRICS_PORT=9465$/m);
    expect(dockerfile).toMatch(/^EXPOSE 9464 9465$/m);
  });

  it("runs Prometheus on the committed scrape configuration and alert rules, scraping both of the worker's ports", () => {
    const prometheus = services.prometheus!;
    expect(prometheus.image).toMatch(/^prom\/prometheus:v3\./);
    expect(prometheus.ports).toContain('9090:9090');
    expect(prometheus.command).toContain('--config.file=/etc/prometheus/prometheus.yml');
    const mounts = Object.fromEntries((prometheus.volumes ?? []).map((v) => [v.split(':')[1], v.split(':')[0]]));
    expect(mounts).toMatchObject({
      '/etc/prometheus/prometheus.yml': './deploy/prometheus/prometheus.yml',
      '/etc/prometheus/alerts.yml': './deploy/prometheus/alerts.yml',
    });
    const config = parse(readFileSync(join(PROJECT_ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8')) as {
      rule_files: string[];
      scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
    };
    expect(config.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
    const targets = config.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));
    expect(targets).toEqual(expect.arrayContaining(['worker:9464', 'worker:9465']));
  });

  it('gives the worker longer to stop than its own drain on SIGTERM (src/worker.ts), so a deploy never kills it mid-task', () => {
    const worker = readFileSync(join(PROJECT_ROOT, 'src', 'worker.ts'), 'utf8');
    const drain = Number(/shutdownGraceTime: '(\d+) seconds'/.exec(worker)?.[1]);
    const grace = Number(/^(\d+)s$/.exec(services.worker!.stop_grace_period ?? '')?.[1]);
    expect(drain).toBeGreaterThan(0);
    expect(grace).toBeGreaterThan(drain);
  });

  it('runs the Temporal server version that the system suite builds and tests (scripts/temporal-server.mjs)', () => {
    for (const name of ['temporal', 'temporal-setup', 'temporal-init']) {
      expect(services[name]!.image!.split(':')[1], name).toBe(TEMPORAL_SERVER_VERSION);
    }
    // The server does not start without a dynamic configuration file: the committed one is mounted where it looks.
    const path = services.temporal!.environment!.DYNAMIC_CONFIG_FILE_PATH;
    expect(services.temporal!.volumes).toContain(`./docker/temporal-dynamic-config.yaml:${path}:ro`);
  });
});
