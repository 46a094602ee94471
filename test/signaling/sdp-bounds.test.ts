// SDP is bounded per role before the SFU parses it (issue 21 H): a publish offer with 190 m-lines (57 kB) used to
// cost the event loop ~460 ms, and three a second slowed everyone's joins. Refused at once now, and a subscribe
// answer may carry no more m-lines than the server's offer. Real sockets and the werift SFU.
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, startApp } from '../../src/server/app.ts';
import { HeadlessClient } from '../../src/signaling/headless-client.ts';
import type { Ack } from '../../src/signaling/protocol.ts';
import { checkSubscribeAnswer, mLineCount } from '../../src/signaling/sdp-bounds.ts';
import { isAppError } from '../../src/util/errors.ts';

let app: App;
const clients: HeadlessClient[] = [];

async function joined(room: string, name: string): Promise<HeadlessClient> {
  const c = await HeadlessClient.connect(app.url);
  clients.push(c);
  await c.join({ room, displayName: name });
  return c;
}
const ask = async (c: HeadlessClient, event: string, payload?: unknown) =>
  (await c.socket.timeout(10_000).emitWithAck(event, payload)) as Ack;

/** A browser-shaped offer with `n` video m-lines (each ~260 bytes). */
function bigOffer(n: number): string {
  const head = [
    'v=0',
    'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    `a=group:BUNDLE ${Array.from({ length: n }, (_, i) => i).join(' ')}`,
    'a=msid-semantic: WMS stream',
    'a=fingerprint:sha-256 AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99',
    'a=ice-ufrag:abcd',
    'a=ice-pwd:abcdefghijklmnopqrstuvwx',
  ];
  const m = (i: number) => [
    'm=video 9 UDP/TLS/RTP/SAVPF 96 97',
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    'a=setup:actpass',
    `a=mid:${i}`,
    'a=sendonly',
    'a=rtcp-mux',
    'a=rtpmap:96 VP8/90000',
    'a=rtcp-fb:96 nack',
    'a=rtcp-fb:96 nack pli',
    'a=rtpmap:97 rtx/90000',
    'a=fmtp:97 apt=96',
    `a=ssrc:${1000 + i} cname:x`,
  ];
  return `${[...head, ...Array.from({ length: n }, (_, i) => m(i)).flat()].join('\r\n')}\r\n`;
}

beforeAll(async () => {
  app = await startApp({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await app?.close();
});

describe('SDP bounds', () => {
  it('refuses a publish offer with 190 m-lines at once, and the peer publishes nothing', async () => {
    const c = await joined('sdp', 'mallory');
    const sdp = bigOffer(190);
    expect(sdp.length).toBeGreaterThan(45_000);
    const t0 = performance.now();
    const res = await ask(c, 'publish:offer', { offer: { type: 'offer', sdp } });
    const ms = performance.now() - t0;
    expect(res.ok ? 'ok' : res.error.code).toBe('BAD_REQUEST');
    expect(res.ok ? '' : res.error.message).toMatch(/m-lines/);
    const peer = app.sfu.getRoom('sdp')?.peers()[0];
    expect(peer?.publishing()).toEqual({ audio: false, video: false });
    // Side by side in this process: what the SFU spends on the same offer when nothing refuses it first.
    const other = await joined('sdp', 'bob');
    expect(other).toBeDefined();
    const direct = app.sfu.getRoom('sdp')?.peers()[1];
    const t1 = performance.now();
    await direct?.publish({ type: 'offer', sdp }).catch(() => undefined);
    const sfuMs = performance.now() - t1;
    console.log(
      JSON.stringify({
        test: 'sdp-bounds',
        mlines: 190,
        bytes: sdp.length,
        refusedMs: Math.round(ms),
        sfuParseMs: Math.round(sfuMs),
      }),
    );
  });

  it('refuses an offer of few m-lines padded past the byte bound', async () => {
    const c = await joined('sdp-pad', 'mallory');
    const pad = Array.from({ length: 200 }, () => `a=x-pad:${'y'.repeat(190)}`).join('\r\n');
    const sdp = `${bigOffer(2)}${pad}\r\n`;
    expect(mLineCount(sdp)).toBe(2);
    const res = await ask(c, 'publish:offer', { offer: { type: 'offer', sdp } });
    expect(res.ok ? '' : res.error.message).toMatch(/bytes/);
  });

  it('a subscribe answer may not carry more m-lines than the offer, nor many more bytes', () => {
    const refusal = (f: () => void) => {
      try {
        f();
        return 'ok';
      } catch (e) {
        return isAppError(e) ? e.code : 'thrown';
      }
    };
    expect(mLineCount(bigOffer(3))).toBe(3);
    expect(refusal(() => checkSubscribeAnswer(bigOffer(3), bigOffer(3)))).toBe('ok');
    expect(refusal(() => checkSubscribeAnswer(bigOffer(190), bigOffer(3)))).toBe('BAD_REQUEST');
    expect(
      refusal(() => checkSubscribeAnswer(`${bigOffer(2)}${'a=x:y\r\n'.repeat(3000)}`, bigOffer(2))),
    ).toBe('BAD_REQUEST');
  });

  it('still answers an ordinary offer (audio + video) from a real libwebrtc client', async () => {
    const { HeadlessCamera } = await import('../../src/probe/camera.ts');
    const c = await joined('sdp-ok', 'alice');
    const cam = new HeadlessCamera({ width: 160, height: 120, fps: 5, audio: true });
    try {
      await c.publish(cam.tracks());
    } finally {
      cam.stop();
    }
  });
});
