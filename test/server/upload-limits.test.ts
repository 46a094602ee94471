// Upload bodies are bounded in the real server (a child process, measured from outside): an over-limit
// Content-Length is refused before reading, a chunked body is cut at the limit, and parallel 80 MB uploads
// over the concurrency cap get 503 BUSY instead of each holding its body in memory.
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildServer, healthz, rawRequest, startChildServer } from './child-server.ts';

const OWNER = 'owner-uploads-0123456789';
const MB = 1024 * 1024;
/** One raw photo may be 10 MB (DEFAULT_IMAGE_LIMITS.maxBytes); a form, 8 of them. */
const RAW_LIMIT = 10 * MB;
/** Loopback socket buffers (both ends) hold a few MB the server never read. */
const MARGIN = 16 * MB;

/** Streams a chunked raw image body until the server answers or closes; returns what it answered and how much
 * the client managed to send. */
function chunkedUpload(
  port: number,
  maxBytes: number,
): Promise<{ status: number; body: string; sent: number }> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    const frame = Buffer.concat([
      Buffer.from(`${chunk.length.toString(16)}\r\n`),
      chunk,
      Buffer.from('\r\n'),
    ]);
    let sent = 0;
    let answer = '';
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      sock.destroy();
      const m = /^HTTP\/1\.1 (\d{3})/.exec(answer);
      resolve({ status: m ? Number(m[1]) : 0, body: answer.slice(answer.indexOf('\r\n\r\n') + 4), sent });
    };
    sock.on('data', (d) => {
      answer += d.toString('latin1');
    });
    sock.on('error', finish);
    sock.on('close', finish);
    sock.write(
      `POST /api/identities HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nx-gazecam-owner: ${OWNER}\r\n` +
        'content-type: image/jpeg\r\ntransfer-encoding: chunked\r\n\r\n',
    );
    const pump = () => {
      while (!done && sent < maxBytes) {
        sent += chunk.length;
        if (!sock.write(frame)) return void sock.once('drain', pump);
      }
      if (!done) sock.end('0\r\n\r\n');
    };
    pump();
  });
}

/** POSTs a body with an honest Content-Length; resolves the status, or 0 when the connection was cut first. */
function post(port: number, type: string, body: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      {
        port,
        host: '127.0.0.1',
        method: 'POST',
        path: '/api/identities',
        agent: false,
        headers: { 'x-gazecam-owner': OWNER, 'content-type': type, 'content-length': body.length },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

/** A form of 8 parts of 10 MB - 1 byte each (not images): the largest body the API accepts. */
function bigForm(): { type: string; body: Buffer } {
  const boundary = 'BoundaryForLimitsTest';
  const parts: Buffer[] = [];
  for (let i = 0; i < 8; i++) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\ncontent-disposition: form-data; name="photo"; filename="p${i}.jpg"\r\n` +
          'content-type: image/jpeg\r\n\r\n',
      ),
      Buffer.alloc(RAW_LIMIT - 1, i + 1),
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { type: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(parts) };
}

describe('upload limits of the real server', () => {
  let server: ChildServer;
  beforeAll(async () => {
    server = await startChildServer({ UPLOAD_CONCURRENCY: '2' });
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('refuses an over-limit Content-Length before reading, with 413 IMAGE_TOO_LARGE', async () => {
    const head =
      `POST /api/identities HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nx-gazecam-owner: ${OWNER}\r\n` +
      `content-type: image/jpeg\r\ncontent-length: ${RAW_LIMIT + 1}\r\nConnection: close\r\n\r\n`;
    const answer = await rawRequest(server.port, head); // no body sent at all: the answer cannot wait for it
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).error.code).toBe('IMAGE_TOO_LARGE');
  });

  it('cuts a chunked raw body at the limit (413) having read at most the limit and a small margin', async () => {
    const r = await chunkedUpload(server.port, 200 * MB);
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).error.code).toBe('IMAGE_TOO_LARGE');
    expect(r.sent).toBeGreaterThan(RAW_LIMIT);
    expect(r.sent).toBeLessThan(RAW_LIMIT + MARGIN);
    console.log(JSON.stringify({ test: 'upload-chunked-cut', sentMB: +(r.sent / MB).toFixed(1) }));
    expect(await healthz(server.port)).toBe(200);
  }, 60_000);

  it('keeps memory bounded under 10 parallel 80 MB uploads: the ones over the cap get 503 BUSY', async () => {
    const form = bigForm();
    const before = server.peakRss();
    const statuses = await Promise.all(
      Array.from({ length: 10 }, () => post(server.port, form.type, form.body)),
    );
    const growth = server.peakRss() - before;
    console.log(
      JSON.stringify({
        test: 'upload-parallel',
        statuses,
        peakRssBeforeMB: Math.round(before / MB),
        peakRssGrowthMB: Math.round(growth / MB),
      }),
    );
    // Each admitted upload is read and refused as not an image; the others are BUSY (or cut while sending).
    expect(statuses.filter((s) => s === 422).length).toBeGreaterThanOrEqual(1);
    expect(statuses.filter((s) => s === 422).length).toBeLessThanOrEqual(2);
    expect(statuses.every((s) => s === 422 || s === 503 || s === 0)).toBe(true);
    expect(statuses.some((s) => s === 503)).toBe(true);
    // Two 80 MB bodies (parsed in place); ten, each copied three times (the old behaviour), grew it by 1.7 GB.
    expect(growth).toBeLessThan(512 * MB);
    expect(await healthz(server.port)).toBe(200);
    // A slot is free again afterwards.
    expect(await post(server.port, 'image/jpeg', Buffer.from('not an image'))).toBe(422);
  }, 120_000);
});
