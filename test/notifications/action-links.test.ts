// docs/rules.md#reminder-actions: an action link's token is a capability, so the default log sink,
// which writes every notification as a log line, shows its links without the token.
import { describe, expect, it } from 'vitest';
import { redactActionLinks } from '../../src/notifications/action-links.js';
import { logSink } from '../../src/notifications/sinks.js';
import { createLogger } from '../../src/runtime/logger.js';

const TOKEN = 'Q2hhbmdlIG1lIHRvIGEgcmVhbCB0b2tlbiBwbGVhc2U';

describe('action links in logs', () => {
  it('the log sink writes the notification with its links, but not their tokens', async () => {
    const lines: string[] = [];
    const sink = logSink(createLogger({ level: 'info', format: 'json', write: (line) => void lines.push(line) }));
    await sink.send({
      id: 'n-1',
      kind: 'autostop_reminder',
      workspaceId: 'w-1',
      userId: 'u-1',
      createdAt: '2024-01-01T18:00:00.000Z',
      payload: { workspaceName: 'dev', actions: { keepRunning: `https://autobuild.example/actions/${TOKEN}` } },
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(TOKEN);
    expect(JSON.parse(lines[0]!).payload).toEqual({
      workspaceName: 'dev',
      actions: { keepRunning: 'https://autobuild.example/actions/<redacted>' },
    });
  });

  it('redaction leaves everything else as it was', () => {
    const value = { n: 1, at: null, list: ['a', `/actions/${TOKEN}?x`], text: 'no link here' };
    expect(redactActionLinks(value)).toEqual({ n: 1, at: null, list: ['a', '/actions/<redacted>?x'], text: 'no link here' });
  });
});
