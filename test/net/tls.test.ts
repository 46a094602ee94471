// Which TLS the server speaks, the self-signed certificate (parsed back by node:crypto and by a TLS handshake),
// its reuse across starts, and the certificate pin of server-side clients (agents).
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { iceNetworkFromEnv } from '../../src/media/werift/config.ts';
import { startApp } from '../../src/server/app.ts';
import { ipBytes } from '../../src/server/tls/der.ts';
import { resolveTls, selfSignedFor } from '../../src/server/tls/options.ts';
import { createSelfSigned } from '../../src/server/tls/self-signed.ts';
import { HeadlessClient } from '../../src/signaling/headless-client.ts';
import { machineAddresses } from '../../src/util/addresses.ts';

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'tls-test-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('self-signed certificate', () => {
  it('covers its names and addresses, verifies with its own key, is not a CA', () => {
    const pair = createSelfSigned({ dnsNames: ['localhost'], ips: ['10.1.2.3', 'fd00::7'] });
    const x = new X509Certificate(pair.cert);
    expect(x.checkHost('localhost')).toBe('localhost');
    expect(x.checkIP('10.1.2.3')).toBe('10.1.2.3');
    expect(x.checkIP('fd00::7')).toBe('fd00::7');
    expect(x.checkIP('10.1.2.4')).toBeUndefined();
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.ca).toBe(false);
    expect(x.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    const days = (new Date(x.validTo).getTime() - Date.now()) / 86400_000;
    expect(days).toBeGreaterThan(364);
    expect(days).toBeLessThan(366);
  });

  it('encodes IPv6 addresses in full', () => {
    expect(ipBytes('::1').toString('hex')).toBe(`${'0'.repeat(31)}1`);
    expect(ipBytes('fe80::1:2').toString('hex')).toBe('fe800000000000000000000000010002');
    expect(ipBytes('::ffff:10.0.0.1').toString('hex')).toBe('00000000000000000000ffff0a000001');
    expect(() => ipBytes('nope')).toThrow(/not an IP/);
  });
});

describe('TLS settings', () => {
  it('plain HTTP on loopback and behind a trusted proxy; self-signed elsewhere, kept for the next start', () => {
    const dir = tempDir();
    expect(resolveTls('127.0.0.1', { TLS_DIR: dir })).toBeNull();
    expect(resolveTls('localhost', { TLS_DIR: dir })).toBeNull();
    expect(resolveTls('0.0.0.0', { TLS_DIR: dir, TRUST_PROXY: '127.0.0.1' })).toBeNull();
    const first = resolveTls('0.0.0.0', { TLS_DIR: dir });
    expect(first?.source).toBe('self-signed');
    const x = new X509Certificate(first?.cert ?? '');
    for (const ip of ['127.0.0.1', ...machineAddresses({ ipv6: true })]) expect(x.checkIP(ip)).toBe(ip);
    // The next start serves the same certificate (browsers remember the exception per certificate).
    expect(resolveTls('0.0.0.0', { TLS_DIR: dir })?.fingerprint).toBe(first?.fingerprint);
    // A host it does not cover gets a new one.
    const other = selfSignedFor('198.51.100.7', dir);
    expect(other.fingerprint).not.toBe(first?.fingerprint);
    expect(new X509Certificate(other.cert).checkIP('198.51.100.7')).toBe('198.51.100.7');
    expect(readFileSync(join(dir, 'self-signed.cert.pem'), 'utf8')).toBe(other.cert);
  });

  it('serves TLS_CERT/TLS_KEY files and refuses half a pair or a bad file', () => {
    const dir = tempDir();
    const pair = createSelfSigned({ dnsNames: ['call.example'], ips: [] });
    writeFileSync(join(dir, 'c.pem'), pair.cert);
    writeFileSync(join(dir, 'k.pem'), pair.key);
    writeFileSync(join(dir, 'junk.pem'), 'not a certificate');
    const tls = resolveTls('127.0.0.1', { TLS_CERT: join(dir, 'c.pem'), TLS_KEY: join(dir, 'k.pem') });
    expect(tls?.source).toBe('files');
    expect(tls?.fingerprint).toBe(new X509Certificate(pair.cert).fingerprint256);
    expect(() => resolveTls('127.0.0.1', { TLS_CERT: join(dir, 'c.pem') })).toThrow(/go together/);
    expect(() =>
      resolveTls('127.0.0.1', { TLS_CERT: join(dir, 'junk.pem'), TLS_KEY: join(dir, 'k.pem') }),
    ).toThrow(/not a PEM certificate/);
    expect(() =>
      resolveTls('127.0.0.1', { TLS_CERT: join(dir, 'gone.pem'), TLS_KEY: join(dir, 'k.pem') }),
    ).toThrow(/cannot read/);
  });
});

describe('ICE settings', () => {
  it('announces ANNOUNCED_IP first, then the interfaces, within RTC_MIN_PORT..RTC_MAX_PORT', () => {
    const net = iceNetworkFromEnv(['10.9.9.9'], {
      ANNOUNCED_IP: '203.0.113.5',
      RTC_MIN_PORT: '40000',
      RTC_MAX_PORT: '40099',
    });
    expect(net.hostAddresses[0]).toBe('203.0.113.5');
    expect(net.hostAddresses).toContain('10.9.9.9');
    for (const a of machineAddresses()) expect(net.hostAddresses).toContain(a);
    expect(net.portRange).toEqual([40000, 40099]);
    expect(() => iceNetworkFromEnv([], { ANNOUNCED_IP: 'example.com' })).toThrow(/ANNOUNCED_IP/);
    expect(() => iceNetworkFromEnv([], { RTC_MIN_PORT: '40000' })).toThrow(/go together/);
    expect(() => iceNetworkFromEnv([], { RTC_MIN_PORT: '40000', RTC_MAX_PORT: '40000' })).toThrow(/below/);
    expect(() => iceNetworkFromEnv([], { RTC_MIN_PORT: '80', RTC_MAX_PORT: '90' })).toThrow(/1024/);
  });
});

describe('HTTPS server and pinned clients', () => {
  it('serves https and wss; a client pinning its certificate joins, others are refused', async () => {
    const tls = selfSignedFor('127.0.0.1', tempDir());
    const app = await startApp({ port: 0, host: '127.0.0.1', tls });
    try {
      expect(app.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const pinned = await HeadlessClient.connect(app.url, { serverCert: tls.cert });
      const res = await pinned.join({ room: 'tls', displayName: 'pin' });
      expect(res.participantId).toBeTruthy();
      pinned.close();
      // No pin: a self-signed certificate is in no trust store.
      await expect(HeadlessClient.connect(app.url)).rejects.toThrow(/cannot connect/);
      // Another certificate's pin.
      const stranger = createSelfSigned({ dnsNames: ['localhost'], ips: ['127.0.0.1'] });
      await expect(HeadlessClient.connect(app.url, { serverCert: stranger.cert })).rejects.toThrow(
        /cannot connect/,
      );
    } finally {
      await app.close();
    }
  });
});
