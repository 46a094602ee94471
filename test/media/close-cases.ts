// Closing is idempotent and cascades: SFU -> rooms -> peers, each firing `close` exactly once. Every backend
// runs these (close.test.ts on werift, janus-close.test.ts on Janus).
import { describe, expect, it } from 'vitest';
import type { Sfu } from '../../src/media/index.ts';

export interface CloseBackend {
  name: string;
  createSfu(): Sfu;
  /** Waits for what the backend does after close() returned (Janus: detaches, room destroys). */
  settle?(sfu: Sfu): Promise<void>;
}

export function closeCases(backend: CloseBackend): void {
  const settle = async (sfu: Sfu) => backend.settle?.(sfu);

  describe(`SFU close events (${backend.name})`, () => {
    it('peer.close() fires close once and tells the room', async () => {
      const sfu = backend.createSfu();
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
      await settle(sfu);
    });

    it('room.close() closes its peers and leaves the SFU', async () => {
      const sfu = backend.createSfu();
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
      await settle(sfu);
    });

    it('sfu.close() closes every room and peer once', async () => {
      const sfu = backend.createSfu();
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
      await settle(sfu);
    });

    it('rejects duplicate peers and self-subscription with codes', async () => {
      const sfu = backend.createSfu();
      const room = sfu.createRoom('r');
      const a = room.createPeer('a');
      expect(() => room.createPeer('a')).toThrow(expect.objectContaining({ code: 'ALREADY_JOINED' }));
      expect(() => a.subscribe('a')).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
      sfu.close();
      await settle(sfu);
    });
  });
}
