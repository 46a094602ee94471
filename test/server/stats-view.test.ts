// /stats without the operator token shows no identity ids, passcodes or tokens; with it, everything.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, startApp } from '../../src/server/app.ts';
import { createStatsView } from '../../src/server/stats-view.ts';
import { joinAs } from '../media/helpers.ts';

const IDENTITY = '3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b';
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

describe('/stats of a running server', () => {
  let app: App;
  beforeAll(async () => {
    app = await startApp({ port: 0, host: '127.0.0.1', statsToken: TOKEN });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('hides the identity a participant wears unless the operator token is given', async () => {
    const { client } = await joinAs(app, 'stats-room', 'alice', 'room-passcode-1');
    await client.settings({ mode: 'none', identityId: IDENTITY });
    const full = await stats(app.url, { authorization: `Bearer ${TOKEN}` });
    expect(full).toContain(IDENTITY); // the setup did put an id in the stats
    const tries: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer wrong-token-for-tests' },
      { authorization: TOKEN },
    ];
    for (const headers of tries) {
      const body = await stats(app.url, headers);
      expect(body).not.toContain(IDENTITY);
      expect(body).not.toMatch(/identityId|room-passcode-1/);
      const parsed = JSON.parse(body);
      expect(parsed.redacted).toBe(true);
      expect(parsed.rooms[0].participants[0].displayName).toBe('alice'); // the figures stay
    }
    client.close();
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
    const shown = JSON.stringify(view.render(req(), stats));
    for (const secret of ['hunter2', 'id-abcdef', 'agent-secret', '00000000beef', 'passcode', 'token'])
      expect(shown).not.toContain(secret);
    expect(shown).toContain('"id":"p1"');
    expect(view.render(req('Bearer tok-123'), stats)).toBe(stats);
    // No token configured: nobody gets the full view, not even with an empty bearer.
    expect(createStatsView('').render(req('Bearer '), stats)).not.toBe(stats);
  });
});
