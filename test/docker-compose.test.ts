// No Docker engine runs on the project's machines, so docker-compose.yml is
// checked for the structure the README promises instead of being run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configVariables } from './helpers/config-variables.js';
import { PROJECT_ROOT } from './helpers/processes.js';

interface Service {
  image?: string;
  build?: string;
  environment?: Record<string, string>;
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
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
      if (s.image) expect(s.image, name).toMatch(/^[\w./-]+:\d[\w.-]*$/);
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
    for (const name of ['temporal-db', 'app-db', 'temporal', 'temporal-ui', 'worker']) {
      expect(services[name]!.healthcheck?.test, name).toBeDefined();
    }
    expect(services.temporal!.depends_on).toEqual({ 'temporal-setup': { condition: 'service_completed_successfully' } });
    expect(services.worker!.depends_on).toEqual({
      'app-db': { condition: 'service_healthy' },
      'temporal-init': { condition: 'service_completed_successfully' },
    });
  });

  it('keeps both databases on named volumes', () => {
    expect(Object.keys(compose.volumes)).toEqual(['temporal-db', 'app-db']);
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
});
