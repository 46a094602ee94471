// The close cases (close-cases.ts) on the embedded werift SFU, and the werift SFU's own contracts: no ghost
// subscriptions, a room cap that agents do not count against.
import { describe, expect, it } from 'vitest';
import { createSfu } from '../../src/media/index.ts';
import { closeCases } from './close-cases.ts';

closeCases({ name: 'werift', createSfu: () => createSfu() });

describe('werift SFU room contracts', () => {
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
