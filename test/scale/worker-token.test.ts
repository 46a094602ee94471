// Wrong worker tokens are throttled per address: a few are checked, the rest refused unchecked with a back-off
// (the right token too while it lasts), so the token cannot be guessed at socket speed. No worker processes.
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKER_NAMESPACE } from '../../src/scale/worker-protocol.ts';
import { type App, startApp } from '../../src/server/app.ts';

const TOKEN = 'worker-token-test-0123456789';
let app: App;

function tryToken(token: string, workerId: string): Promise<string> {
  const s = io(`${app.url}${WORKER_NAMESPACE}`, {
    auth: { token, workerId, capacity: 1 },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  return new Promise<string>((resolve) => {
    s.once('connect', () => resolve('CONNECTED'));
    s.once('connect_error', (e) => resolve(e.message.split(':')[0]));
  }).finally(() => s.close());
}

beforeAll(async () => {
  app = await startApp({ port: 0, host: '127.0.0.1', tls: null, workers: { mode: 'remote', token: TOKEN } });
});
afterAll(async () => {
  await app?.close();
});

describe('worker token throttling', () => {
  it('checks a few wrong tokens, then refuses the rest unchecked, the right one included', async () => {
    const answers: string[] = [];
    for (let i = 0; i < 60; i++) answers.push(await tryToken(`guess-${i}-abcdefghijkl`, `w${i}`));
    const checked = answers.filter((a) => a === 'FORBIDDEN').length;
    expect(checked).toBeGreaterThan(0);
    expect(checked).toBeLessThanOrEqual(5);
    expect(answers.filter((a) => a === 'RATE_LIMITED')).toHaveLength(60 - checked);
    expect(await tryToken(TOKEN, 'real')).toBe('RATE_LIMITED');
    expect(app.workers?.workers()).toEqual([]);
  });
});
