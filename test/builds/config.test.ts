// The provisioning and notification settings (docs/provisioning.md,
// docs/operations.md): defaults, and every bad value refused with its name.
import { describe, expect, it } from 'vitest';
import { backoffMs } from '../../src/notifications/deliver.js';
import { ConfigError, loadNotificationConfig, loadProvisioningConfig } from '../../src/runtime/config.js';
import { isSecretName } from '../../src/runtime/secrets.js';

describe('provisioning and notification configuration', () => {
  it('defaults: simulated 3s, no failures, 10m timeout, 30s heartbeat, recovery after 30s every minute; log sink', () => {
    expect(loadProvisioningConfig({})).toEqual({
      provisioner: 'simulated',
      simulatedDurationMs: 3000,
      simulatedFailureRate: 0,
      command: null,
      passEnv: [],
      timeoutMs: 600_000,
      heartbeatTimeoutMs: 30_000,
      recoveryGraceMs: 30_000,
      recoveryIntervalMs: 60_000,
    });
    expect(loadNotificationConfig({})).toEqual({
      webhookUrl: null,
      webhookSecret: null,
      webhookTimeoutMs: 10_000,
      retryBaseMs: 1000,
      retryMaxMs: 300_000,
      sweepIntervalMs: 30_000,
    });
  });

  it('reads every variable', () => {
    expect(
      loadProvisioningConfig({
        AUTOBUILD_PROVISIONER: 'command',
        AUTOBUILD_PROVISIONER_COMMAND: './prov --fast',
        AUTOBUILD_SIMULATED_DURATION: '0',
        AUTOBUILD_SIMULATED_FAILURE_RATE: '0.25',
        AUTOBUILD_PROVISIONER_TIMEOUT: '1h',
        AUTOBUILD_PROVISIONER_HEARTBEAT_TIMEOUT: '5s',
        AUTOBUILD_RECOVERY_GRACE: '0',
        AUTOBUILD_RECOVERY_INTERVAL: '10s',
        AUTOBUILD_PROVISIONER_ENV: 'AWS_PROFILE, KUBECONFIG',
      }),
    ).toEqual({
      provisioner: 'command',
      simulatedDurationMs: 0,
      simulatedFailureRate: 0.25,
      command: './prov --fast',
      passEnv: ['AWS_PROFILE', 'KUBECONFIG'],
      timeoutMs: 3_600_000,
      heartbeatTimeoutMs: 5000,
      recoveryGraceMs: 0,
      recoveryIntervalMs: 10_000,
    });
    expect(
      loadNotificationConfig({
        AUTOBUILD_NOTIFY_WEBHOOK_URL: 'https://hooks.example.com/x?token=1',
        AUTOBUILD_NOTIFY_WEBHOOK_TIMEOUT: '2s',
        AUTOBUILD_NOTIFY_RETRY_BACKOFF: '500ms',
        AUTOBUILD_NOTIFY_RETRY_MAX_BACKOFF: '1m',
        AUTOBUILD_NOTIFY_INTERVAL: '5s',
        AUTOBUILD_NOTIFY_WEBHOOK_SECRET: 'x'.repeat(32),
      }),
    ).toEqual({
      webhookUrl: 'https://hooks.example.com/x?token=1',
      webhookSecret: 'x'.repeat(32),
      webhookTimeoutMs: 2000,
      retryBaseMs: 500,
      retryMaxMs: 60_000,
      sweepIntervalMs: 5000,
    });
  });

  it.each([
    [{ AUTOBUILD_PROVISIONER: 'terraform' }, 'AUTOBUILD_PROVISIONER must be one of simulated, command, got "terraform"'],
    [{ AUTOBUILD_PROVISIONER: 'command' }, 'AUTOBUILD_PROVISIONER=command needs AUTOBUILD_PROVISIONER_COMMAND'],
    [{ AUTOBUILD_SIMULATED_DURATION: 'soon' }, 'AUTOBUILD_SIMULATED_DURATION must be a duration such as 30s, 10m, 1h30m or 0, got "soon"'],
    [{ AUTOBUILD_SIMULATED_FAILURE_RATE: '1.5' }, 'AUTOBUILD_SIMULATED_FAILURE_RATE must be a number from 0 to 1, got "1.5"'],
    [{ AUTOBUILD_PROVISIONER_TIMEOUT: '0' }, 'AUTOBUILD_PROVISIONER_TIMEOUT must be at least 1 ms, got "0"'],
    [{ AUTOBUILD_PROVISIONER_HEARTBEAT_TIMEOUT: '100ms' }, 'AUTOBUILD_PROVISIONER_HEARTBEAT_TIMEOUT must be at least 1000 ms, got "100ms"'],
    // Node's timers fire after 1 ms when asked to wait past 2^31−1 ms: 25d would kill every command at once.
    [{ AUTOBUILD_PROVISIONER_TIMEOUT: '25d' }, 'AUTOBUILD_PROVISIONER_TIMEOUT must be at most 24d, got "25d"'],
    [{ AUTOBUILD_SIMULATED_DURATION: '30d' }, 'AUTOBUILD_SIMULATED_DURATION must be at most 24d, got "30d"'],
    [{ AUTOBUILD_RECOVERY_INTERVAL: '9999d' }, 'AUTOBUILD_RECOVERY_INTERVAL must be at most 24d, got "9999d"'],
    [
      { AUTOBUILD_PROVISIONER_TIMEOUT: `${'9'.repeat(400)}d` },
      `AUTOBUILD_PROVISIONER_TIMEOUT must be a duration such as 30s, 10m, 1h30m or 0, got "${'9'.repeat(40)}…"`,
    ],
    [
      { AUTOBUILD_PROVISIONER_ENV: 'PATH,not a name' },
      'AUTOBUILD_PROVISIONER_ENV must be a comma-separated list of variable names, got "not a name"',
    ],
  ])('provisioning: %o is refused', (env, message) => {
    expect(() => loadProvisioningConfig(env)).toThrow(ConfigError);
    expect(() => loadProvisioningConfig(env)).toThrow(message);
  });

  it.each([
    [{ AUTOBUILD_NOTIFY_WEBHOOK_URL: 'ftp://x' }, 'AUTOBUILD_NOTIFY_WEBHOOK_URL must be an http:// or https:// URL'],
    [{ AUTOBUILD_NOTIFY_WEBHOOK_TIMEOUT: '25d' }, 'AUTOBUILD_NOTIFY_WEBHOOK_TIMEOUT must be at most 24d'],
    [{ AUTOBUILD_NOTIFY_INTERVAL: '25d' }, 'AUTOBUILD_NOTIFY_INTERVAL must be at most 24d'],
    [{ AUTOBUILD_NOTIFY_WEBHOOK_URL: 'not a url' }, 'AUTOBUILD_NOTIFY_WEBHOOK_URL must be an http:// or https:// URL'],
    [
      { AUTOBUILD_NOTIFY_RETRY_BACKOFF: '1m', AUTOBUILD_NOTIFY_RETRY_MAX_BACKOFF: '1s' },
      'AUTOBUILD_NOTIFY_RETRY_MAX_BACKOFF must not be shorter than AUTOBUILD_NOTIFY_RETRY_BACKOFF',
    ],
    [{ AUTOBUILD_NOTIFY_INTERVAL: '0' }, 'AUTOBUILD_NOTIFY_INTERVAL must be at least 1 ms'],
  ])('notifications: %o is refused', (env, message) => {
    expect(() => loadNotificationConfig(env)).toThrow(message);
  });

  it('an invalid webhook URL is not repeated in the error (it may carry a token)', () => {
    expect(() => loadNotificationConfig({ AUTOBUILD_NOTIFY_WEBHOOK_URL: 'hooks.example.com/T0/B0/s3cr3t' })).toThrow(
      /^AUTOBUILD_NOTIFY_WEBHOOK_URL must be an http:\/\/ or https:\/\/ URL$/,
    );
  });

  it('the webhook secret: at least 32 characters, used exactly as given, never echoed in an error', () => {
    const name = 'AUTOBUILD_NOTIFY_WEBHOOK_SECRET';
    expect(loadNotificationConfig({ [name]: 'k'.repeat(32) }).webhookSecret).toBe('k'.repeat(32));
    expect(loadNotificationConfig({ [name]: '' }).webhookSecret).toBeNull();
    expect(loadNotificationConfig({ [name]: '   ' }).webhookSecret).toBeNull();
    for (const value of ['s3cr3t-but-short', 'k'.repeat(31)]) {
      expect(() => loadNotificationConfig({ [name]: value })).toThrow(ConfigError);
      expect(() => loadNotificationConfig({ [name]: value })).toThrow(
        /^AUTOBUILD_NOTIFY_WEBHOOK_SECRET must be at least 32 characters \(e\.g\. openssl rand -hex 32\)$/,
      );
    }
    // Receivers verify with the same text: surrounding whitespace would make every signature fail.
    for (const value of [` ${'k'.repeat(32)}`, `${'k'.repeat(32)}\n`]) {
      expect(() => loadNotificationConfig({ [name]: value })).toThrow(
        /^AUTOBUILD_NOTIFY_WEBHOOK_SECRET must not start or end with whitespace$/,
      );
    }
    const error = (() => {
      try {
        loadNotificationConfig({ [name]: 's3cr3t-but-short' });
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(error).not.toContain('s3cr3t');
  });

  it('the webhook secret is a secret by name: its variable and its configuration field are masked in logs', () => {
    expect(isSecretName('AUTOBUILD_NOTIFY_WEBHOOK_SECRET')).toBe(true);
    expect(isSecretName('webhookSecret')).toBe(true);
  });

  it('notification retries back off exponentially from the base, capped at the maximum', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, 1000, 10_000))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(backoffMs(1000, 1000, 300_000)).toBe(300_000);
  });
});
