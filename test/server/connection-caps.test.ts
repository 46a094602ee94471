// Connections are capped per address and server-wide, with a clear refusal (issue 21 F): 20,000 slow-header
// sockets used to fill the descriptor limit, silencing /healthz and socket.io. Here slow-header sockets from one
// loopback address fill that address's share: its next request gets 503 BUSY (JSON), while another address is
// served; past the server-wide cap every address gets the 503; socket.io connections past their per-address cap
// get a coded connect_error. Real sockets over loopback (127.0.0.x are all this host on Linux).
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type App, startApp } from '../../src/server/app.ts';
import { HeadlessClient } from '../../src/signaling/headless-client.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let app: App;
let port = 0;
const open: Socket[] = [];
const clients: HeadlessClient[] = [];

/** A socket that sends half a request line and then nothing (a slow-header client). */
function slowHeader(localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, localAddress }, () => {
      s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      resolve(s);
    });
    s.on('error', () => undefined);
    s.once('error', reject);
    open.push(s);
  });
}

function get(path: string, localAddress: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, localAddress, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  app = await startApp({
    port: 0,
    host: '127.0.0.1',
    connections: { max: 40, perAddress: 12, signalingPerAddress: 3 },
  });
  port = Number(new URL(app.url).port);
});
afterEach(async () => {
  for (const s of open.splice(0)) s.destroy();
  for (const c of clients.splice(0)) c.close();
  await new Promise((r) => setTimeout(r, 100));
});
afterAll(async () => {
  await app?.close();
});

describe('connection caps', () => {
  it('an address holding its share is refused with 503 BUSY; another address is served', async () => {
    for (let i = 0; i < 12; i++) await slowHeader('127.0.0.2');
    const refused = await get('/healthz', '127.0.0.2');
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body).error.code).toBe('BUSY');
    expect((await get('/healthz', '127.0.0.3')).status).toBe(200);
    // Its share comes back as its sockets close.
    for (const s of open.splice(0)) s.destroy();
    await sleep(300);
    expect((await get('/healthz', '127.0.0.2')).status).toBe(200);
  });

  it('past the server-wide cap every address is refused, clearly, until sockets close', async () => {
    for (let a = 10; a < 14; a++) for (let i = 0; i < 10; i++) await slowHeader(`127.0.0.${a}`);
    const refused = await get('/healthz', '127.0.0.20');
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body).error.message).toMatch(/connections/);
    for (const s of open.splice(0, 10)) s.destroy();
    await sleep(300);
    expect((await get('/healthz', '127.0.0.20')).status).toBe(200);
  });

  it('socket.io connections past the per-address cap get a coded connect_error', async () => {
    for (let i = 0; i < 3; i++) clients.push(await HeadlessClient.connect(app.url));
    const err = await HeadlessClient.connect(app.url).then(
      (c) => {
        clients.push(c);
        return '';
      },
      (e: Error) => e.message,
    );
    expect(err).toMatch(/BUSY/);
    clients.shift()?.close();
    await sleep(300);
    clients.push(await HeadlessClient.connect(app.url));
  });
});
