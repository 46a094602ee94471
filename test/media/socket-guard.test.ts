// Running out of descriptors must cost a peer, never the process: werift's UDP sockets had no 'error' listener,
// so a failed bind (EMFILE) was an unhandled 'error' event that ended the server.
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { UdpTransport } from 'werift';
import { withSocketOwner } from '../../src/media/werift/socket-guard.ts';

describe('socket guard', () => {
  it('a bind that fails rejects (no hang, no crash) and tells the owner', async () => {
    const taken = createSocket('udp4');
    await new Promise<void>((r) => taken.bind(0, '127.0.0.1', () => r()));
    const errors: string[] = [];
    const owner = { label: 'test', onSocketError: (e: Error) => errors.push(e.message) };
    await expect(
      withSocketOwner(owner, () => UdpTransport.init('udp4', { port: taken.address().port } as never)),
    ).rejects.toThrow(/EADDRINUSE/);
    expect(errors).toHaveLength(1);
    taken.close();
  });

  it('a socket error after the bind goes to the owner, not to the process', async () => {
    const errors: string[] = [];
    const owner = { label: 'test', onSocketError: (e: Error) => errors.push(e.message) };
    const t = await withSocketOwner(owner, () => UdpTransport.init('udp4'));
    t.socket.emit('error', new Error('ENOBUFS'));
    expect(errors).toEqual(['ENOBUFS']);
    await t.close();
  });

  it('a room that runs out of descriptors keeps the process alive', () => {
    const res = spawnSync('node', ['--import', 'tsx', 'test/media/child/emfile-room.ts'], {
      encoding: 'utf8',
      timeout: 45_000,
      env: { ...process.env, LOG_LEVEL: 'error', BIND_LIMIT: '30' },
    });
    expect(res.status, res.stderr.slice(-2000)).toBe(0);
    const report = JSON.parse(res.stdout.trim().split('\n').pop() ?? '{}');
    expect(report.alive).toBe(true);
    expect(report.binds).toBeGreaterThan(30);
    // Binds failed: the peers they belonged to closed (or their publish failed with a code); the room and the
    // peers that got sockets stayed.
    expect(report.closedPeers + report.joinErrors).toBeGreaterThan(0);
    expect(report.peers).toBeGreaterThan(0);
  }, 60_000);
});
