// Child process for socket-guard.test.ts: fills a room while UDP binds start failing with EMFILE after the
// first BIND_LIMIT (the descriptor limit of a busy server, injected so the test does not depend on how many
// descriptors the process happens to hold), then reports whether the process survived and what the room did.
import { Socket } from 'node:dgram';
import { createSfu } from '../../../src/media/index.ts';
import { RoomDriver } from '../../../src/probe/room-driver.ts';

const limit = Number(process.env.BIND_LIMIT ?? 30);
let binds = 0;
const bind = Socket.prototype.bind;
Socket.prototype.bind = function failingBind(this: Socket, ...args: unknown[]) {
  if (++binds <= limit) return (bind as (...a: unknown[]) => Socket).apply(this, args);
  const e = Object.assign(new Error('bind EMFILE 0.0.0.0'), { code: 'EMFILE', syscall: 'bind' });
  process.nextTick(() => this.emit('error', e));
  return this;
} as typeof Socket.prototype.bind;

const sfu = createSfu();
const room = sfu.createRoom('emfile');
const driver = new RoomDriver(room);
let closedPeers = 0;
room.on('peerclose', () => closedPeers++);
let joinErrors = 0;
const codes = new Set<string>();
for (let i = 0; i < 24; i++) {
  try {
    await driver.join(`p${i}`, true);
  } catch (e) {
    joinErrors++;
    codes.add((e as { code?: string }).code ?? 'none');
  }
}
const settled = await driver.settle(3000);
const report = {
  alive: true,
  binds,
  settled,
  closedPeers,
  joinErrors,
  codes: [...codes],
  peers: room.peers().length,
};
process.stdout.write(`${JSON.stringify(report)}\n`);
await driver.close();
sfu.close();
// werift leaves timers (RTCP loops) that outlive closed connections by seconds: do not wait for them.
process.exit(0);
