// A TURN Allocate over UDP (RFC 5766 on STUN, RFC 5389), written for the tests: the first request goes without
// credentials and collects the 401's realm and nonce, the second is signed with the long-term credential
// (MESSAGE-INTEGRITY keyed by MD5(username:realm:password)). It tells whether a TURN server accepts a username
// and password, without a browser in between.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';

const MAGIC = 0x2112a442;
const ALLOCATE_REQUEST = 0x0003;
const ALLOCATE_SUCCESS = 0x0103;
const ATTR = {
  username: 0x0006,
  integrity: 0x0008,
  errorCode: 0x0009,
  realm: 0x0014,
  nonce: 0x0015,
  xorRelayedAddress: 0x0016,
  requestedTransport: 0x0019,
} as const;

type Attr = [type: number, value: Buffer];

export interface AllocateResult {
  /** 'success' with the relayed address, or the server's error code (401 Unauthorized, 438 Stale Nonce...). */
  outcome: 'success' | number;
  relayed?: string;
  reason?: string;
}

function encode(type: number, txId: Buffer, attrs: Attr[], key?: Buffer): Buffer {
  const body = attrs.map(([t, v]) => {
    const head = Buffer.alloc(4);
    head.writeUInt16BE(t, 0);
    head.writeUInt16BE(v.length, 2);
    return Buffer.concat([head, v, Buffer.alloc((4 - (v.length % 4)) % 4)]);
  });
  const header = Buffer.alloc(20);
  header.writeUInt16BE(type, 0);
  header.writeUInt32BE(MAGIC, 4);
  txId.copy(header, 8);
  let msg = Buffer.concat([header, ...body]);
  if (key) {
    // The length covers MESSAGE-INTEGRITY itself (24 bytes) while its HMAC covers what precedes it.
    msg.writeUInt16BE(msg.length - 20 + 24, 2);
    const mac = createHmac('sha1', key).update(msg).digest();
    const head = Buffer.alloc(4);
    head.writeUInt16BE(ATTR.integrity, 0);
    head.writeUInt16BE(20, 2);
    msg = Buffer.concat([msg, head, mac]);
  }
  msg.writeUInt16BE(msg.length - 20, 2);
  return msg;
}

function decode(msg: Buffer): { type: number; txId: Buffer; attrs: Map<number, Buffer> } {
  const attrs = new Map<number, Buffer>();
  const end = Math.min(msg.length, 20 + msg.readUInt16BE(2));
  for (let at = 20; at + 4 <= end; ) {
    const t = msg.readUInt16BE(at);
    const len = msg.readUInt16BE(at + 2);
    if (!attrs.has(t)) attrs.set(t, msg.subarray(at + 4, at + 4 + len));
    at += 4 + len + ((4 - (len % 4)) % 4);
  }
  return { type: msg.readUInt16BE(0), txId: msg.subarray(8, 20), attrs };
}

function xorAddress(v: Buffer): string {
  const port = v.readUInt16BE(2) ^ (MAGIC >>> 16);
  const ip = [0, 1, 2, 3].map((i) => v[4 + i] ^ ((MAGIC >>> (24 - 8 * i)) & 0xff)).join('.');
  return `${ip}:${port}`;
}

function errorOf(attrs: Map<number, Buffer>): { code: number; reason: string } {
  const v = attrs.get(ATTR.errorCode);
  if (!v) return { code: 0, reason: 'no ERROR-CODE' };
  return { code: (v[2] & 0x7) * 100 + v[3], reason: v.subarray(4).toString('utf8') };
}

/** One client transport address: coturn ties its nonce to it, so both requests of an Allocate share it. */
class TurnSocket {
  readonly #socket = createSocket('udp4');
  readonly #ready = new Promise<void>((resolve) => this.#socket.bind(0, resolve));

  constructor(
    readonly host: string,
    readonly port: number,
  ) {}

  /** Sends one request and waits for the response with its transaction id (retransmitting, as over UDP). */
  async transact(msg: Buffer, timeoutMs: number): Promise<ReturnType<typeof decode>> {
    await this.#ready;
    const txId = msg.subarray(8, 20);
    let onMessage: (data: Buffer) => void = () => undefined;
    let resend: NodeJS.Timeout | undefined;
    let fail: NodeJS.Timeout | undefined;
    try {
      return await new Promise((resolve, reject) => {
        resend = setInterval(() => this.#socket.send(msg, this.port, this.host), 250);
        fail = setTimeout(
          () => reject(new Error(`no TURN answer from ${this.host}:${this.port} in ${timeoutMs} ms`)),
          timeoutMs,
        );
        onMessage = (data) => {
          if (data.length < 20) return;
          const res = decode(data);
          if (res.txId.equals(txId)) resolve(res);
        };
        this.#socket.on('message', onMessage);
        this.#socket.send(msg, this.port, this.host);
      });
    } finally {
      clearInterval(resend);
      clearTimeout(fail);
      this.#socket.off('message', onMessage);
    }
  }

  close(): void {
    this.#socket.close();
  }
}

const udpTransport: Attr = [ATTR.requestedTransport, Buffer.from([17, 0, 0, 0])];

/** An unauthenticated Allocate: a live TURN server answers 401 with its realm and nonce. */
export async function probeTurn(host: string, port: number, timeoutMs = 2000): Promise<number> {
  const socket = new TurnSocket(host, port);
  try {
    const res = await socket.transact(encode(ALLOCATE_REQUEST, randomBytes(12), [udpTransport]), timeoutMs);
    return res.type === ALLOCATE_SUCCESS ? 200 : errorOf(res.attrs).code;
  } finally {
    socket.close();
  }
}

/** Allocates a UDP relay with a username and password (the allocation then expires by itself). */
export async function allocate(
  host: string,
  port: number,
  username: string,
  password: string,
  timeoutMs = 3000,
): Promise<AllocateResult> {
  const socket = new TurnSocket(host, port);
  try {
    const first = await socket.transact(encode(ALLOCATE_REQUEST, randomBytes(12), [udpTransport]), timeoutMs);
    const realm = first.attrs.get(ATTR.realm);
    const nonce = first.attrs.get(ATTR.nonce);
    if (!realm || !nonce) {
      const e = errorOf(first.attrs);
      return { outcome: e.code, reason: `no realm/nonce in the first answer: ${e.reason}` };
    }
    const key = createHash('md5')
      .update(`${username}:${realm.toString('utf8')}:${password}`)
      .digest();
    const signed = encode(
      ALLOCATE_REQUEST,
      randomBytes(12),
      [udpTransport, [ATTR.username, Buffer.from(username)], [ATTR.realm, realm], [ATTR.nonce, nonce]],
      key,
    );
    const res = await socket.transact(signed, timeoutMs);
    if (res.type === ALLOCATE_SUCCESS) {
      const relayed = res.attrs.get(ATTR.xorRelayedAddress);
      return { outcome: 'success', relayed: relayed ? xorAddress(relayed) : undefined };
    }
    const e = errorOf(res.attrs);
    return { outcome: e.code, reason: e.reason };
  } finally {
    socket.close();
  }
}
