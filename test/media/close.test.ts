// Closing is idempotent and cascades: SFU -> rooms -> peers, each firing `close` exactly once.
import { describe, expect, it } from 'vitest';
import { createSfu } from '../../src/media/index.ts';

describe('SFU close events', () => {
  it('peer.close() fires close once and tells the room', () => {
    const sfu = createSfu();
    const room = sfu.createRoom('r');
    const peer = room.createPeer('p1');
    let closes = 0;
    const closedPeers: string[] = [];
    peer.on('close', () => closes++);
    room.on('peerclose', (p) => closedPeers.push(p.id));
    peer.close();
    peer.close();
    expect(closes).toBe(1);
    expect(peer.closed).toBe(true);
    expect(closedPeers).toEqual(['p1']);
    expect(room.getPeer('p1')).toBeUndefined();
    expect(() => peer.subscribe('x')).toThrow(/closed/);
    sfu.close();
  });

  it('room.close() closes its peers and leaves the SFU', () => {
    const sfu = createSfu();
    const room = sfu.createRoom('r');
    const peers = [room.createPeer('a'), room.createPeer('b')];
    peers[1].subscribe('a');
    const events: string[] = [];
    for (const p of peers) p.on('close', () => events.push(`peer:${p.id}`));
    room.on('close', () => events.push('room'));
    sfu.on('roomclose', (r) => events.push(`sfu:roomclose:${r.id}`));
    room.close();
    room.close();
    expect(events.sort()).toEqual(['peer:a', 'peer:b', 'room', 'sfu:roomclose:r']);
    expect(peers.every((p) => p.closed)).toBe(true);
    expect(sfu.getRoom('r')).toBeUndefined();
    expect(() => room.createPeer('c')).toThrow(expect.objectContaining({ code: 'CLOSED' }));
    sfu.close();
  });

  it('sfu.close() closes every room and peer once', () => {
    const sfu = createSfu();
    const r1 = sfu.createRoom('r1');
    const r2 = sfu.createRoom('r2');
    const p = r2.createPeer('p');
    let roomCloses = 0;
    let peerCloses = 0;
    let sfuCloses = 0;
    r1.on('close', () => roomCloses++);
    r2.on('close', () => roomCloses++);
    p.on('close', () => peerCloses++);
    sfu.on('close', () => sfuCloses++);
    sfu.close();
    sfu.close();
    expect([roomCloses, peerCloses, sfuCloses]).toEqual([2, 1, 1]);
    expect(sfu.rooms()).toHaveLength(0);
    expect(() => sfu.createRoom('r3')).toThrow(expect.objectContaining({ code: 'CLOSED' }));
  });

  it('rejects duplicate peers and self-subscription with codes', () => {
    const sfu = createSfu();
    const room = sfu.createRoom('r');
    const a = room.createPeer('a');
    expect(() => room.createPeer('a')).toThrow(expect.objectContaining({ code: 'ALREADY_JOINED' }));
    expect(() => a.subscribe('a')).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    sfu.close();
  });

  it('rejects subscriptions to participants not in the room (no ghosts) and drops those that leave', () => {
    const sfu = createSfu();
    const room = sfu.createRoom('r');
    const a = room.createPeer('a');
    const b = room.createPeer('b');
    for (let i = 0; i < 50; i++) {
      expect(() => a.subscribe(`ghost${i}`)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    }
    a.subscribe('b'); // present, not yet publishing: accepted
    expect(a.subscriptions()).toEqual(['b']);
    b.close();
    expect(a.subscriptions()).toEqual([]);
    expect(() => a.subscribe('b')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    sfu.close();
  });

  it('caps users per room with ROOM_FULL; agents do not count; a leaver frees a place', () => {
    const sfu = createSfu({ maxParticipants: 3 });
    const room = sfu.createRoom('r');
    const users = ['u0', 'u1', 'u2'].map((id) => room.createPeer(id));
    expect(() => room.createPeer('u3')).toThrow(expect.objectContaining({ code: 'ROOM_FULL' }));
    const agent = room.createPeer('agent-u0', { role: 'agent' });
    expect(agent.closed).toBe(false);
    users[1].close();
    expect(room.createPeer('u3').id).toBe('u3');
    expect(() => room.createPeer('u4')).toThrow(expect.objectContaining({ code: 'ROOM_FULL' }));
    sfu.close();
  });
});
