// /stats: without the operator token counts and health only (nothing that names or locates a call); with it,
// everything but identity ids, passcodes and tokens.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, startApp } from '../../src/server/app.ts';
import { createStatsView } from '../../src/server/stats-view.ts';
import { HeadlessClient } from '../../src/signaling/headless-client.ts';
import { FIXTURES_DIR, fixturesAvailable } from '../../src/util/paths.ts';

const TOKEN = 'operator-token-for-tests';

function stats(url: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/stats`, { headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(!fixturesAvailable())('/stats of a running server', () => {
  let app: App;
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gazecam-stats-'));
    app = await startApp({ port: 0, host: '127.0.0.1', statsToken: TOKEN, identityDir: dir });
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('never shows the identity a participant wears nor the passcode; the figures stay', async () => {
    const owner = 'stats-test-owner-0123456789abcdef';
    const up = await fetch(`${app.url}/api/identities`, {
      method: 'POST',
      body: readFileSync(resolve(FIXTURES_DIR, 'identities', 's0.jpg')),
      headers: { 'content-type': 'image/jpeg', 'x-gazecam-owner': owner },
    });
    const identity = ((await up.json()) as { identity: { id: string } }).identity.id;
    const client = await HeadlessClient.connect(app.url, { owner });
    await client.join({ room: 'stats-room', displayName: 'alice', passcode: 'room-passcode-1' });
    // The owner may wear it: the server holds the id, so the view must keep it out.
    await client.settings({ mode: 'none', identityId: identity });
    const tries: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer wrong-token-for-tests' },
      { authorization: TOKEN },
      { authorization: `Bearer ${TOKEN}` },
    ];
    for (const headers of tries) {
      const body = await stats(app.url, headers);
      expect(body).not.toContain(identity);
      expect(body).not.toMatch(/identityId|room-passcode-1/);
    }
    const full = JSON.parse(await stats(app.url, { authorization: `Bearer ${TOKEN}` }));
    expect(full.rooms[0].participants[0].displayName).toBe('alice');
    expect(JSON.parse(await stats(app.url)).redacted).toBe(true);
    expect(JSON.parse(await stats(app.url, { authorization: `Bearer ${TOKEN}` })).redacted).toBeUndefined();
    client.close();
  });
});

describe('/stats without the token', () => {
  let app: App;
  beforeAll(async () => {
    app = await startApp({ port: 0, host: '127.0.0.1', statsToken: TOKEN });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('shows counts and health only: no room name, participant id or display name', async () => {
    const a = await HeadlessClient.connect(app.url);
    const b = await HeadlessClient.connect(app.url);
    const ja = await a.join({ room: 'hidden-room-7f3a', displayName: 'Alice Smith' });
    await b.join({ room: 'open-room-91c2', displayName: 'Bob Jones' });
    const secrets = ['hidden-room-7f3a', 'open-room-91c2', 'Alice Smith', 'Bob Jones', ja.participantId];
    const tries: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer wrong-token-for-tests' },
      { authorization: TOKEN },
    ];
    for (const headers of tries) {
      const body = await stats(app.url, headers);
      for (const s of secrets) expect(body).not.toContain(s);
      const counts = JSON.parse(body);
      expect(counts).toMatchObject({ ok: true, redacted: true, rooms: 2, participants: 2, peers: 2 });
      expect(counts.agents.total).toBe(0);
      expect(counts.eventLoopLagMs.p99).toBeGreaterThanOrEqual(0);
    }
    const full = await stats(app.url, { authorization: `Bearer ${TOKEN}` });
    for (const s of secrets) expect(full).toContain(s);
    a.close();
    b.close();
  });
});

describe('createStatsView', () => {
  const req = (authorization?: string) => ({ headers: authorization ? { authorization } : {} }) as never;

  it('removes secret fields and masks their values (and any UUID) inside strings', () => {
    const view = createStatsView('tok-123');
    const stats = {
      rooms: [{ name: 'r', passcode: 'hunter2', participants: [{ id: 'p1', identityId: 'id-abcdef' }] }],
      agents: [
        {
          token: 'agent-secret',
          message: 'no identity id-abcdef; also 0a1b2c3d-0000-4000-8000-00000000beef',
        },
      ],
    };
    const shown = JSON.stringify(view.render(req('Bearer tok-123'), stats as never));
    for (const secret of ['hunter2', 'id-abcdef', 'agent-secret', '00000000beef', 'passcode', 'token'])
      expect(shown).not.toContain(secret);
    expect(shown).toContain('"id":"p1"');
    expect(JSON.stringify(view.render(req(), stats as never))).not.toContain('p1');
    // No token configured: nobody gets the full view, not even with an empty bearer.
    expect(createStatsView('').isOperator(req('Bearer '))).toBe(false);
    expect(JSON.stringify(createStatsView('').render(req('Bearer '), stats as never))).not.toContain('p1');
  });
});
