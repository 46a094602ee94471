// werift's UDP sockets have no 'error' listener: a failed bind (EMFILE when descriptors run out) or a send
// error is an unhandled 'error' event that ends the process, and a failed bind leaves werift waiting for
// 'listening' forever. This installs a listener on every socket werift opens and fails the bind instead; the
// connection that opened the socket (its owner, carried through async calls) is told and closes itself.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Socket } from 'node:dgram';
import { UdpTransport } from 'werift';
import { createLogger } from '../../util/logger.ts';

const log = createLogger('media:socket');

/** Whoever opens sockets inside `withSocketOwner`: told once per socket error. */
export interface SocketOwner {
  readonly label: string;
  onSocketError(error: Error): void;
}

const owners = new AsyncLocalStorage<SocketOwner>();
let installed = false;

/** Runs `fn` with `owner` answering for the sockets werift opens during it (gathering happens in
 * setLocalDescription). */
export function withSocketOwner<T>(owner: SocketOwner, fn: () => Promise<T>): Promise<T> {
  installGuard();
  return owners.run(owner, fn);
}

export function installGuard(): void {
  if (installed) return;
  installed = true;
  const proto = UdpTransport.prototype as unknown as { init(this: { socket: Socket }): Promise<void> };
  const init = proto.init;
  proto.init = async function guardedInit(this: { socket: Socket }): Promise<void> {
    const socket = this.socket;
    const owner = owners.getStore();
    socket.on('error', (e) => {
      log.warn(`udp socket error (${owner?.label ?? 'unowned'}): ${e.message}`);
      owner?.onSocketError(e);
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
