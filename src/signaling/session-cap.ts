// socket.io sessions per client address (SIGNALING_MAX_PER_ADDRESS): one address cannot hold the server's
// sessions; a refused handshake gets a coded connect_error.
import type { Server as IoServer } from 'socket.io';
import { AddressCounter } from '../util/address-counter.ts';

export function capSessionsPerAddress(io: IoServer, cap: { sessions: number; exempt?: string[] }): void {
  const held = new AddressCounter(cap.exempt);
  io.use((socket, next) => {
    const address = socket.handshake.address;
    if (held.count(address) >= cap.sessions)
      return next(new Error(`BUSY: too many connections from your address (${cap.sessions})`));
    socket.once('disconnect', held.add(address));
    next();
  });
}
