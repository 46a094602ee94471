// The client address and scheme behind a TLS-terminating proxy (TRUST_PROXY): forwarded headers count only
// from a listed proxy.
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientInfo, trustedProxiesFromEnv } from '../../src/server/forwarded.ts';

function req(remoteAddress: string, headers: Record<string, string>, encrypted = false): IncomingMessage {
  return { socket: { remoteAddress, encrypted }, headers } as unknown as IncomingMessage;
}

describe('TRUST_PROXY', () => {
  const trusted = trustedProxiesFromEnv({ TRUST_PROXY: '127.0.0.1, 10.0.0.5' });

  it('believes a listed proxy: the last untrusted X-Forwarded-For hop, X-Forwarded-Proto', () => {
    const r = req('::ffff:127.0.0.1', {
      'x-forwarded-for': '6.6.6.6, 198.51.100.20, 10.0.0.5',
      'x-forwarded-proto': 'https',
    });
    expect(clientInfo(r, trusted)).toEqual({ address: '198.51.100.20', secure: true });
  });

  it('ignores forwarded headers from anyone else', () => {
    const r = req('198.51.100.9', { 'x-forwarded-for': '1.2.3.4', 'x-forwarded-proto': 'https' });
    expect(clientInfo(r, trusted)).toEqual({ address: '198.51.100.9', secure: false });
    expect(clientInfo(req('10.1.1.1', {}, true), [])).toEqual({ address: '10.1.1.1', secure: true });
  });

  it('refuses a setting that is not a list of addresses', () => {
    expect(trustedProxiesFromEnv({})).toEqual([]);
    expect(() => trustedProxiesFromEnv({ TRUST_PROXY: 'yes' })).toThrow(/not an IP/);
  });
});
