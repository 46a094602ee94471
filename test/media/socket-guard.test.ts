// Running out of descriptors must cost a peer, never the process: werift's UDP sockets had no 'error' listener,
// so a failed bind (EMFILE) was an unhandled 'error' event that ended the server.
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { MediaStreamTrack, UdpTransport } from 'werift';
import { createConnection } from '../../src/media/werift/connection.ts';
import { adoptSockets, connectionSockets, installGuard } from '../../src/media/werift/socket-guard.ts';

describe('socket guard', () => {
  it('a bind that fails rejects (no hang, no crash)', async () => {
    installGuard();
    const taken = createSocket('udp4');
    await new Promise<void>((r) => taken.bind(0, '127.0.0.1', () => r()));
    await expect(UdpTransport.init('udp4', { port: taken.address().port } as never)).rejects.toThrow(
      /EADDRINUSE/,
    );
    taken.close();
  });

  it("a connection's socket errors go to its owner, not to the process; no socket at all is a coded error", async () => {
    const errors: string[] = [];
    const owner = { label: 'test', onSocketError: (e: Error) => errors.push(e.message) };
    const pc = createConnection({});
    pc.addTransceiver(new MediaStreamTrack({ kind: 'video' }), { direction: 'sendonly' });
    await pc.setLocalDescription(await pc.createOffer());
    adoptSockets(pc, owner);
    const sockets = connectionSockets(pc);
    expect(sockets).toHaveLength(1); // max-bundle, one IPv4 host address
    sockets[0].emit('error', new Error('ENOBUFS'));
    expect(errors).toEqual(['ENOBUFS']);
    await pc.close();
    const bare = createConnection({}); // no m-line, no transport: nothing to adopt, no error
    await bare.setLocalDescription(await bare.createOffer());
    adoptSockets(bare, owner);
    expect(errors).toHaveLength(1);
    await bare.close();
    // A transport without a socket (not gathered here; as after every bind failed with EMFILE).
    const empty = createConnection({});
    empty.addTransceiver(new MediaStreamTrack({ kind: 'audio' }), { direction: 'sendonly' });
    expect(() => adoptSockets(empty, owner)).toThrow(expect.objectContaining({ code: 'NEGOTIATION_FAILED' }));
    expect(errors).toHaveLength(2);
    await empty.close();
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
