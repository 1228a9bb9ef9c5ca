// AUTOBUILD_PUBLIC_URL (docs/rules.md#reminder-actions): the base of the action links, default the API's own address.
import { describe, expect, it } from 'vitest';
import { loadPublicUrl } from '../../src/runtime/config.js';

describe('AUTOBUILD_PUBLIC_URL', () => {
  it('defaults to the API on loopback at AUTOBUILD_API_PORT', () => {
    expect(loadPublicUrl({})).toBe('http://127.0.0.1:7080');
    expect(loadPublicUrl({ AUTOBUILD_API_PORT: '9000' })).toBe('http://127.0.0.1:9000');
  });

  it('takes an http(s) URL, with a path, without its trailing slash', () => {
    expect(loadPublicUrl({ AUTOBUILD_PUBLIC_URL: 'https://dev.example.com/autobuild/' })).toBe('https://dev.example.com/autobuild');
  });

  it('refuses anything else in one line naming the variable', () => {
    for (const bad of ['dev.example.com', 'ftp://x', 'https://x/?a=1', 'https://x/#top']) {
      expect(() => loadPublicUrl({ AUTOBUILD_PUBLIC_URL: bad })).toThrow(
        /^AUTOBUILD_PUBLIC_URL must be an http:\/\/ or https:\/\/ URL without a query or fragment, got "/,
      );
    }
  });
});
