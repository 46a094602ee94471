// Upload slots are held only by real work (issue 21 D): two POSTs that declare 1,000 bytes and send one byte a
// second used to hold both upload slots, and every real upload got 503 until Node's request timeout (328 s).
// Now a body must arrive at a minimum rate after a grace period (else 408, its connection closed), and a body
// being received holds only its bytes of the upload memory budget, not a check slot: real uploads started while
// the two slow ones trickle are all checked. In-process server, real face check, the fixture portraits.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, startApp } from '../../src/server/app.ts';
import { FIXTURES_DIR, fixturesAvailable } from '../../src/util/paths.ts';

const OWNER = 'owner-deadline-0123456789';
const GRACE_MS = 4000;

/** A POST declaring `declared` bytes that sends one byte every `everyMs`; resolves its status and when. */
function trickle(
  port: number,
  declared: number,
  everyMs: number,
): Promise<{ status: number; afterMs: number }> {
  const t0 = Date.now();
  return new Promise((done) => {
    const req = request(
      {
        port,
        host: '127.0.0.1',
        method: 'POST',
        path: '/api/identities',
        agent: false,
        headers: { 'x-gazecam-owner': OWNER, 'content-type': 'image/jpeg', 'content-length': declared },
      },
      (res) => {
        res.resume();
        clearInterval(timer);
        done({ status: res.statusCode ?? 0, afterMs: Date.now() - t0 });
      },
    );
    req.on('error', () => {
      clearInterval(timer);
      done({ status: 0, afterMs: Date.now() - t0 });
    });
    req.flushHeaders();
    const timer = setInterval(() => req.write(Buffer.from([0xff])), everyMs);
  });
}

describe.skipIf(!fixturesAvailable())('upload body deadlines', () => {
  let app: App;
  let dir = '';
  let port = 0;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gazecam-deadline-'));
    app = await startApp({
      port: 0,
      host: '127.0.0.1',
      identityDir: dir,
      uploads: { concurrency: 2, minBytesPerSec: 16 * 1024, graceMs: GRACE_MS },
    });
    port = Number(new URL(app.url).port);
    // The face models load on the first upload: not while the slow ones run.
    const warm = await upload('s0.jpg');
    expect(warm).toBe(201);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const upload = async (name: string) =>
    (
      await fetch(`${app.url}/api/identities`, {
        method: 'POST',
        body: readFileSync(resolve(FIXTURES_DIR, 'identities', name)),
        headers: { 'content-type': 'image/jpeg', 'x-gazecam-owner': OWNER },
      })
    ).status;

  it('real uploads proceed while two slow ones trickle; the slow ones are cut with 408', async () => {
    const slow = [trickle(port, 1000, 1000), trickle(port, 1000, 1000)];
    await new Promise((r) => setTimeout(r, 300)); // both are in, each has sent a byte or none
    const real: number[] = [];
    for (const name of ['s3.jpg', 's5.jpg', 's6.jpg']) real.push(await upload(name));
    const cut = await Promise.all(slow);
    console.log(JSON.stringify({ test: 'upload-deadline', real, slow: cut }));
    expect(real).toEqual([201, 201, 201]);
    for (const c of cut) {
      expect(c.status).toBe(408);
      // Cut soon after the grace, long before Node's own request timeout (300 s).
      expect(c.afterMs).toBeLessThan(GRACE_MS + 10_000);
    }
  }, 90_000);
});
