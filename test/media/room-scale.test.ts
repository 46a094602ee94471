// A room under churn keeps its descriptors and SDP flat: werift participants driven through the SFU interface
// (12 in the room, 60 join/leave cycles of a publisher), and a libwebrtc (wrtc) subscriber that stays while
// publishers come and go and still gets every newcomer's tracks on recycled m-lines. The full 50 people and
// 500 cycles are the room-scale bench.
import wrtc from '@roamhq/wrtc';
import { afterEach, describe, expect, it } from 'vitest';
import { createSfu, type Sfu } from '../../src/media/index.ts';
import type { WeriftPeer } from '../../src/media/werift/peer.ts';
import { openFds, RoomDriver } from '../../src/probe/room-driver.ts';
import type { SubscribeOffer } from '../../src/signaling/protocol.ts';
import { until } from './helpers.ts';

/** Descriptors other parts of the process may open meanwhile (vitest's worker, a timer's pipe). */
const FD_SLACK = 3;

let sfu: Sfu | null = null;
afterEach(() => {
  sfu?.close();
  sfu = null;
});

async function fdsSettle(target: number): Promise<number> {
  await until(() => openFds() <= target + FD_SLACK, `fds back to ${target}`, 10_000).catch(() => undefined);
  return openFds();
}

describe('room scale', () => {
  it('12 participants and 60 join/leave cycles: flat descriptors, m-lines bounded, all closed at the end', async () => {
    const fdStart = openFds();
    sfu = createSfu();
    const room = sfu.createRoom('scale');
    const driver = new RoomDriver(room);
    const publishers = 4;
    for (let i = 0; i < 12; i++) await driver.join(`p${i}`, i < publishers);
    expect(await driver.settle()).toBe(true);
    const fdFull = openFds();
    // One UDP socket per connection: 4 publish + 12 subscribe connections, each on both sides.
    expect(fdFull - fdStart).toBeLessThanOrEqual(2 * (publishers + 12) + FD_SLACK);
    expect(driver.maxMLines()).toBe(2 * publishers);
    const mLines: number[] = [];
    const fds: number[] = [];
    for (let c = 0; c < 60; c++) {
      await driver.join(`churn${c}`, true);
      await driver.leave(`churn${c}`);
      if ((c + 1) % 20 === 0) {
        expect(await driver.settle()).toBe(true);
        mLines.push(driver.maxMLines());
        fds.push(openFds());
      }
    }
    // The churner's two m-lines are recycled, never added again: at most the publishers present at once.
    expect(Math.max(...mLines)).toBeLessThanOrEqual(2 * (publishers + 1));
    expect(new Set(mLines).size).toBe(1);
    expect(Math.max(...fds)).toBeLessThanOrEqual(fdFull + FD_SLACK);
    // Every stayer still receives every present publisher after the churn.
    const p11 = driver.participants.get('p11');
    const before = p11?.received.get('p0') ?? 0;
    await until(() => (p11?.received.get('p0') ?? 0) > before + 5, 'p11 receiving p0 after churn');
    await driver.close();
    expect(await fdsSettle(fdStart)).toBeLessThanOrEqual(fdStart + FD_SLACK);
  }, 60_000);

  it('room.close() closes its peers, and their connections give back every socket', async () => {
    const fdStart = openFds();
    sfu = createSfu();
    const room = sfu.createRoom('closing');
    const driver = new RoomDriver(room);
    for (let i = 0; i < 4; i++) await driver.join(`p${i}`, true);
    expect(await driver.settle()).toBe(true);
    expect(openFds()).toBeGreaterThan(fdStart + 8);
    const peers = room.peers() as WeriftPeer[];
    room.close();
    expect(peers.every((p) => p.closed)).toBe(true);
    await Promise.all(peers.map((p) => p.whenClosed()));
    // Only the client side is left open now; closing it returns to the start.
    await driver.close();
    expect(await fdsSettle(fdStart)).toBeLessThanOrEqual(fdStart + FD_SLACK);
  }, 30_000);

  it('a libwebrtc subscriber that stays gets each newcomer on recycled m-lines (no growth, no failed offers)', async () => {
    sfu = createSfu();
    const room = sfu.createRoom('browserlike');
    const driver = new RoomDriver(room);
    await driver.join('pub0', true);
    const stayer = room.createPeer('stayer');
    stayer.subscribe('pub0');
    const pc = new wrtc.RTCPeerConnection({ iceServers: [] });
    let mids: SubscribeOffer['tracks'] = {};
    let mLines = 0;
    let failures = 0;
    stayer.on('transportfailed', () => failures++);
    const tracksOf = new Map<string, number>();
    pc.ontrack = (ev: RTCTrackEvent) => {
      const who = ev.transceiver.mid ? mids[ev.transceiver.mid] : undefined;
      if (who) tracksOf.set(who.participantId, (tracksOf.get(who.participantId) ?? 0) + 1);
    };
    stayer.setSubscribeOfferHandler(async (msg) => {
      mids = msg.tracks;
      mLines = (msg.offer.sdp.match(/^m=/gm) ?? []).length;
      await pc.setRemoteDescription(msg.offer);
      await pc.setLocalDescription(await pc.createAnswer());
      return { type: 'answer', sdp: pc.localDescription?.sdp ?? '' };
    });
    try {
      await until(() => tracksOf.get('pub0') === 2, 'pub0 tracks');
      for (let c = 0; c < 8; c++) {
        const id = `guest${c}`;
        await driver.join(id, true);
        stayer.subscribe(id);
        await until(() => tracksOf.get(id) === 2, `${id} tracks on the stayer`);
        expect(mLines).toBeLessThanOrEqual(4);
        await driver.leave(id);
      }
      expect(failures).toBe(0);
      expect(mLines).toBe(4);
    } finally {
      pc.close();
      await driver.close();
    }
  }, 60_000);
});
