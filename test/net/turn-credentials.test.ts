// TURN credentials against a real coturn (use-auth-secret): the join ack's credential allocates a relay; a
// forged password, another server's secret and an expired username are refused with 401. Also the settings'
// validation and what the join ack carries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, startApp } from '../../src/server/app.ts';
import { HeadlessClient } from '../../src/signaling/headless-client.ts';
import type { IceServer, JoinResult } from '../../src/signaling/protocol.ts';
import {
  iceConfigFor,
  turnCredentials,
  turnPassword,
  turnSettingsFromEnv,
} from '../../src/signaling/turn-credentials.ts';
import { type Coturn, startCoturn, turnserverMissing } from './coturn.ts';
import { allocate } from './turn-allocate.ts';

describe('TURN settings', () => {
  it('reads TURN_URLS, TURN_SECRET, TURN_TTL_S and ICE_TRANSPORT_POLICY', () => {
    expect(turnSettingsFromEnv({})).toBeNull();
    expect(turnSettingsFromEnv({ TURN_URLS: 'turn:a:3478, turns:b:5349', TURN_SECRET: 'x' })).toEqual({
      urls: ['turn:a:3478', 'turns:b:5349'],
      secret: 'x',
      ttlS: 3600,
    });
    expect(() => turnSettingsFromEnv({ TURN_URLS: 'turn:a:3478' })).toThrow(/go together/);
    expect(() => turnSettingsFromEnv({ TURN_URLS: 'http://a', TURN_SECRET: 'x' })).toThrow(/not a turn/);
    expect(() => turnSettingsFromEnv({ TURN_URLS: 'turn:a', TURN_SECRET: 'x', TURN_TTL_S: '5' })).toThrow(
      /TURN_TTL_S/,
    );
    expect(() => iceConfigFor('p', { ICE_TRANSPORT_POLICY: 'relay' })).toThrow(/needs TURN_URLS/);
    expect(() => iceConfigFor('p', { ICE_TRANSPORT_POLICY: 'tcp' })).toThrow(/not all or relay/);
    expect(iceConfigFor('p', {})).toEqual({ iceServers: [], iceTransportPolicy: 'all' });
  });

  it('makes the REST-API username and HMAC-SHA1 credential', () => {
    const s = { urls: ['turn:a:3478'], secret: 'north', ttlS: 600 };
    const c = turnCredentials(s, 'p1', 1_000_000_000_000);
    expect(c.username).toBe('1000000600:p1');
    // Computed apart: printf 1000000600:p1 | openssl dgst -sha1 -hmac north -binary | base64
    expect(c.credential).toBe('QOTf669wcwUTcI5ldE+aDHwvVhA=');
  });
});

const skip = turnserverMissing();
if (skip) console.warn(`coturn tests skipped: ${skip}`);

describe.skipIf(skip !== '')('TURN credentials against coturn', () => {
  let turn: Coturn;
  let app: App;
  const saved = { ...process.env };

  beforeAll(async () => {
    turn = await startCoturn();
    process.env.TURN_URLS = turn.url;
    process.env.TURN_SECRET = turn.secret;
    process.env.TURN_TTL_S = '120';
    app = await startApp({ port: 0, host: '127.0.0.1' });
  });

  afterAll(async () => {
    process.env = saved;
    await app?.close();
    await turn?.close();
  });

  async function joinAck(): Promise<JoinResult> {
    const c = await HeadlessClient.connect(app.url);
    try {
      return await c.join({ room: 'turn-creds', displayName: 'tess' });
    } finally {
      c.close();
    }
  }

  it('the join ack carries a credential coturn accepts', async () => {
    const ack = await joinAck();
    expect(ack.iceTransportPolicy).toBe('all');
    const server = ack.iceServers?.[0] as IceServer;
    expect(server.urls).toEqual([turn.url]);
    const [expiry, who] = (server.username ?? '').split(':');
    expect(who).toBe(ack.participantId);
    expect(Number(expiry) - Date.now() / 1000).toBeGreaterThan(100);
    expect(Number(expiry) - Date.now() / 1000).toBeLessThanOrEqual(121);
    const res = await allocate(turn.host, turn.port, server.username ?? '', server.credential ?? '');
    console.log(JSON.stringify({ test: 'turn-allocate-valid', ...res }));
    expect(res.outcome, res.reason).toBe('success');
    expect(res.relayed).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('refuses a forged password, another secret and an expired username', async () => {
    const ack = await joinAck();
    const server = ack.iceServers?.[0] as IceServer;
    const username = server.username ?? '';
    const forged = `${(server.credential ?? '').slice(0, -4)}AAA=`;
    const otherSecret = turnPassword('not-the-secret', username);
    const expired = turnCredentials(
      { urls: [turn.url], secret: turn.secret, ttlS: 60 },
      ack.participantId,
      Date.now() - 3600_000,
    );
    const outcomes = {
      forged: await allocate(turn.host, turn.port, username, forged),
      otherSecret: await allocate(turn.host, turn.port, username, otherSecret),
      expired: await allocate(turn.host, turn.port, expired.username ?? '', expired.credential ?? ''),
    };
    console.log(JSON.stringify({ test: 'turn-allocate-refused', ...outcomes }));
    for (const r of Object.values(outcomes)) expect(r.outcome).toBe(401);
  });
});
