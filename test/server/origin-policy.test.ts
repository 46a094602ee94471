// DNS rebinding: only configured Host headers are served and only configured Origins may open socket.io; a
// page on localhost (or a client without an Origin, such as an agent) works as before.
import { request } from 'node:http';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, startApp } from '../../src/server/app.ts';
import { createOriginPolicy } from '../../src/server/origin-policy.ts';
import { joinAs } from '../media/helpers.ts';

function get(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a socket.io connection with these headers; resolves 'connected' or the connect error's message. */
function handshake(url: string, headers: Record<string, string>, transport: 'polling' | 'websocket') {
  return new Promise<string>((resolve) => {
    const s = io(url, {
      transports: [transport],
      extraHeaders: headers,
      reconnection: false,
      timeout: 10_000,
    });
    s.once('connect', () => {
      s.close();
      resolve('connected');
    });
    s.once('connect_error', (e) => {
      s.close();
      resolve(`refused: ${e.message}`);
    });
  });
}

describe('Host and Origin policy of the running server', () => {
  let app: App;
  let port: number;
  beforeAll(async () => {
    // Camera pages (CAMERA_ORIGINS, `*` by default) are admitted for camera sessions only
    // (test/signaling/camera-session.test.ts); here one named page, so other foreign Origins stay refused.
    app = await startApp({ port: 0, host: '127.0.0.1', cameraOrigins: 'https://meet.example.com' });
    port = Number(new URL(app.url).port);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('refuses a foreign Host with 421 HOST_NOT_ALLOWED and serves localhost names', async () => {
    const foreign = await get(`${app.url}/healthz`, { host: `rebind.attacker.example:${port}` });
    expect(foreign.status).toBe(421);
    expect(JSON.parse(foreign.body)).toMatchObject({ ok: false, error: { code: 'HOST_NOT_ALLOWED' } });
    expect((await get(`${app.url}/stats`, { host: 'attacker.example' })).status).toBe(421);
    expect((await get(`${app.url}/`, { host: 'attacker.example' })).status).toBe(421);
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
      expect((await get(`${app.url}/healthz`, { host })).status, host).toBe(200);
    }
  });

  it('refuses a socket.io handshake from a foreign Origin (polling and WebSocket) or Host', async () => {
    for (const transport of ['polling', 'websocket'] as const) {
      expect(await handshake(app.url, { origin: 'http://rebind.attacker.example' }, transport)).toMatch(
        /^refused/,
      );
      expect(await handshake(app.url, { origin: 'null' }, transport)).toMatch(/^refused/);
      expect(await handshake(app.url, { origin: `http://localhost:${port}` }, transport)).toBe('connected');
      expect(await handshake(app.url, {}, transport)).toBe('connected'); // agents and tools send no Origin
      expect(await handshake(app.url, { origin: 'https://meet.example.com' }, transport)).toBe('connected');
    }
    const raw = await get(`${app.url}/socket.io/?EIO=4&transport=polling`, {
      origin: 'https://evil.example',
    });
    expect(raw.status).toBe(403);
    // The Host is checked on socket.io's own path too (its requests never reach the app's router).
    const rebound = await get(`${app.url}/socket.io/?EIO=4&transport=polling`, {
      host: `attacker.example:${port}`,
    });
    expect(rebound.status).toBe(403);
  });

  it('lets a participant join from the served origin', async () => {
    const { client, id } = await joinAs(app, 'origin-room', 'alice');
    expect(id).toBeTruthy();
    client.close();
  });
});

describe('createOriginPolicy', () => {
  const req = (host?: string, origin?: string) =>
    ({ headers: { ...(host ? { host } : {}), ...(origin ? { origin } : {}) } }) as never;

  it('defaults to loopback names on the served port, plus the listen address', () => {
    const p = createOriginPolicy({
      port: () => 8080,
      host: '127.0.0.1',
      allowedHosts: '',
      allowedOrigins: '',
    });
    expect(p.hostAllowed(req('localhost:8080'))).toBe(true);
    expect(p.hostAllowed(req('localhost.:8080'))).toBe(true);
    expect(p.hostAllowed(req('localhost:9090'))).toBe(false);
    expect(p.hostAllowed(req('localhost'))).toBe(false); // port 80 implied
    expect(p.hostAllowed(req('evil.example:8080'))).toBe(false);
    expect(p.hostAllowed(req())).toBe(false);
    expect(p.originAllowed(req('localhost:8080', 'http://127.0.0.1:8080'))).toBe(true);
    expect(p.originAllowed(req('localhost:8080', 'https://[::1]:8080'))).toBe(true);
    expect(p.originAllowed(req('localhost:8080', 'http://evil.example:8080'))).toBe(false);
    expect(p.originAllowed(req('localhost:8080', 'file://'))).toBe(false);
    const lan = createOriginPolicy({
      port: () => 80,
      host: '192.168.1.5',
      allowedHosts: '',
      allowedOrigins: '',
    });
    expect(lan.hostAllowed(req('192.168.1.5'))).toBe(true);
    expect(lan.originAllowed(req('192.168.1.5', 'http://192.168.1.5'))).toBe(true);
  });

  it('takes ALLOWED_HOSTS and ALLOWED_ORIGINS lists, and * for any', () => {
    const p = createOriginPolicy({
      port: () => 8080,
      host: '127.0.0.1',
      allowedHosts: 'call.example.org, 10.0.0.2:9000',
      allowedOrigins: 'https://call.example.org',
    });
    expect(p.hostAllowed(req('call.example.org'))).toBe(true);
    expect(p.hostAllowed(req('call.example.org:8443'))).toBe(true);
    expect(p.hostAllowed(req('localhost:8080'))).toBe(false);
    expect(p.hostAllowed(req('127.0.0.1:8080'))).toBe(true); // the listen address: where agents connect
    expect(p.originAllowed(req('call.example.org', 'https://call.example.org'))).toBe(true);
    expect(p.originAllowed(req('call.example.org', 'http://call.example.org'))).toBe(false);
    const open = createOriginPolicy({
      port: () => 1,
      host: '0.0.0.0',
      allowedHosts: '*',
      allowedOrigins: '*',
    });
    expect(open.originAllowed(req('anything.example', 'https://other.example'))).toBe(true);
  });
});
