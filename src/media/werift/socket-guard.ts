// werift's UDP sockets have no 'error' listener: a failed bind (EMFILE when descriptors run out) or a send
// error is an unhandled 'error' event that ends the process, and a failed bind leaves werift waiting for
// 'listening' forever. The guard gives every socket werift opens a listener and fails such a bind; after
// gathering, a connection adopts its sockets so that their errors reach the peer that owns them, and a
// connection that got no socket at all fails with a code instead of waiting for ICE that cannot start.
// (No AsyncLocalStorage to find the owner at bind time: its promise hooks would tax every packet's promise.)
import type { Socket } from 'node:dgram';
import { type RTCPeerConnection, UdpTransport } from 'werift';
import { AppError } from '../../util/errors.ts';
import { createLogger } from '../../util/logger.ts';

const log = createLogger('media:socket');

/** Whoever owns a connection's sockets: told about their errors. */
export interface SocketOwner {
  readonly label: string;
  onSocketError(error: Error): void;
}

let installed = false;
const adopted = new WeakSet<Socket>();

export function installGuard(): void {
  if (installed) return;
  installed = true;
  const proto = UdpTransport.prototype as unknown as { init(this: { socket: Socket }): Promise<void> };
  const init = proto.init;
  proto.init = async function guardedInit(this: { socket: Socket }): Promise<void> {
    const socket = this.socket;
    socket.on('error', (e) => {
      if (!adopted.has(socket)) log.warn(`udp socket error: ${e.message}`);
    });
    let failBind: (e: Error) => void = () => undefined;
    const bindFailed = new Promise<never>((_, reject) => {
      failBind = reject;
    });
    socket.once('error', failBind);
    try {
      await Promise.race([init.call(this), bindFailed]);
    } catch (e) {
      try {
        socket.close();
      } catch {
        // never bound
      }
      throw e;
    } finally {
      socket.off('error', failBind);
    }
  };
}

/** The UDP sockets a connection gathered on (werift keeps them inside its ICE connections). */
export function connectionSockets(pc: RTCPeerConnection): Socket[] {
  const sockets: Socket[] = [];
  for (const ice of pc.iceTransports) {
    const protocols = (
      ice.connection as unknown as { protocols?: Array<{ transport?: { socket?: Socket } }> }
    ).protocols;
    for (const p of protocols ?? []) if (p.transport?.socket) sockets.push(p.transport.socket);
  }
  return sockets;
}

/**
 * Call after setLocalDescription: routes the errors of the connection's sockets to `owner`, and throws
 * NEGOTIATION_FAILED (telling the owner) when gathering found no socket (descriptors exhausted, no interface).
 */
export function adoptSockets(pc: RTCPeerConnection, owner: SocketOwner): void {
  const sockets = connectionSockets(pc);
  for (const socket of sockets) {
    if (adopted.has(socket)) continue;
    adopted.add(socket);
    socket.on('error', (e) => {
      log.warn(`${owner.label}: udp socket error: ${e.message}`);
      owner.onSocketError(e);
    });
  }
  // A connection without transceivers has no ICE transport yet (an offer with no m-line): nothing to miss.
  if (sockets.length === 0 && pc.iceTransports.length > 0) {
    const e = new AppError(
      'NEGOTIATION_FAILED',
      `${owner.label}: no ICE candidate (no UDP socket could be opened)`,
    );
    owner.onSocketError(e);
    throw e;
  }
}
