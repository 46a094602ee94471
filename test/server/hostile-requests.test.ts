// Malformed URLs, headers and bodies against every route of the real server (a child process): each gets an
// answer with a sensible status (or, for a body cut off by the client, a closed connection), and the process
// is alive and serving /healthz after every one of them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildServer, healthz, rawRequest, startChildServer } from './child-server.ts';

const OWNER = 'owner-hostile-0123456789';
/** Set once the server listens: the Host header a browser would send. */
let HOST = '';

interface Case {
  what: string;
  bytes: string | Buffer;
  /** Acceptable statuses (0: the server may close without an answer). */
  status: number[];
  /** A coded JSON error (our routes) is expected in the body. */
  code?: string;
  /** The client stops sending (FIN) after these bytes. */
  halfClose?: boolean;
}

const get = (path: string, extra = '') =>
  `GET ${path} HTTP/1.1\r\nHost: ${HOST}\r\n${extra}Connection: close\r\n\r\n`;
const send = (method: string, path: string, headers: string, body: string | Buffer) =>
  Buffer.concat([
    Buffer.from(`${method} ${path} HTTP/1.1\r\nHost: ${HOST}\r\n${headers}Connection: close\r\n\r\n`),
    Buffer.from(body),
  ]);
const post = (path: string, type: string, body: string) =>
  send(
    'POST',
    path,
    `x-gazecam-owner: ${OWNER}\r\ncontent-type: ${type}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`,
    body,
  );

const ROUTES = ['/', '/r/x', '/feed/room/alice', '/healthz', '/stats', '/api/identities', '/socket.io/'];
const BAD_SEGMENTS = ['%', '%E0%A4%A', '%00', '%ZZ', '%C0%AF'];
const ID = '00000000-0000-4000-8000-000000000000';

function cases(): Case[] {
  const c: Case[] = [];
  // Malformed percent-escapes and NUL bytes under every route, by GET and DELETE.
  for (const route of ROUTES) {
    for (const seg of BAD_SEGMENTS) {
      const path = `${route.replace(/\/$/, '')}/${seg}`;
      c.push({ what: `GET ${path}`, bytes: get(path), status: [400, 404] });
      c.push({
        what: `DELETE ${path}`,
        bytes: send('DELETE', path, `x-gazecam-owner: ${OWNER}\r\n`, ''),
        status: [400, 404],
      });
      c.push({
        what: `GET ${route}?${seg}=${seg}`,
        bytes: get(`${route}?${seg}=${seg}`),
        status: [200, 400, 404],
      });
    }
  }
  // Bodies no route expects, to every route.
  for (const route of ROUTES) {
    c.push(
      {
        what: `POST ${route} non-JSON`,
        bytes: post(route, 'application/json', '{"a": [1, '),
        status: [200, 400, 404, 422],
      },
      {
        what: `POST ${route} truncated multipart`,
        bytes: post(
          route,
          'multipart/form-data; boundary=q',
          '--q\r\ncontent-disposition: form-data; name="photo"',
        ),
        status: [200, 400, 404],
      },
      {
        what: `POST ${route} bad type`,
        bytes: post(route, ';;;/', '\x00\x01\x02'),
        status: [200, 400, 404, 422],
      },
    );
  }
  c.push(
    { what: 'GET /%', bytes: get('/%'), status: [400], code: 'BAD_REQUEST' },
    {
      what: 'DELETE identity %E0%A4%A',
      bytes: send('DELETE', '/api/identities/%E0%A4%A', `x-gazecam-owner: ${OWNER}\r\n`, ''),
      status: [400],
      code: 'BAD_REQUEST',
    },
    {
      what: 'photo %',
      bytes: get(`/api/identities/${ID}/photos/%`, `x-gazecam-owner: ${OWNER}\r\n`),
      status: [400],
      code: 'BAD_REQUEST',
    },
    {
      what: 'photo NaN',
      bytes: get(`/api/identities/${ID}/photos/x.jpg`, `x-gazecam-owner: ${OWNER}\r\n`),
      status: [404],
    },
    // Path tricks: never a file outside the client folder.
    { what: '..', bytes: get('/../../../../etc/passwd'), status: [400, 404] },
    { what: '%2e%2e', bytes: get('/%2e%2e/%2e%2e/etc/passwd'), status: [400, 404] },
    { what: '..%2F', bytes: get('/..%2F..%2F..%2Fetc%2Fpasswd'), status: [400, 404] },
    {
      what: 'identity ..%2F',
      bytes: get('/api/identities/..%2F..%2Fetc/photos/0.jpg', `x-gazecam-owner: ${OWNER}\r\n`),
      status: [400, 404],
    },
    { what: 'double slash', bytes: get('//etc/passwd'), status: [200, 400, 404] }, // 200: the client page
    {
      what: 'asterisk target',
      bytes: `OPTIONS * HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`,
      status: [400],
    },
    { what: 'absolute-form', bytes: get('http://127.0.0.1/%'), status: [400] },
    { what: 'absolute-form bad', bytes: get('http://[/x'), status: [400] },
    { what: 'long path', bytes: get(`/${'a'.repeat(8000)}`), status: [200, 404] },
    { what: 'overlong path', bytes: get(`/${'a'.repeat(70_000)}`), status: [0, 400, 414, 431] },
    // Headers.
    { what: 'huge header', bytes: get('/healthz', `x-big: ${'b'.repeat(70_000)}\r\n`), status: [0, 431] },
    { what: 'no Host', bytes: 'GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n', status: [400] },
    { what: 'NUL in a header', bytes: get('/healthz', 'x-a: a\0b\r\n'), status: [400] },
    { what: 'bad header name', bytes: get('/healthz', 'x a: b\r\n'), status: [400] },
    {
      what: 'bad Content-Length',
      bytes: send('POST', '/api/identities', 'content-length: abc\r\n', ''),
      status: [400],
    },
    {
      what: 'negative Content-Length',
      bytes: send('POST', '/api/identities', 'content-length: -1\r\n', ''),
      status: [400],
    },
    {
      what: 'two Content-Lengths',
      bytes: send('POST', '/api/identities', 'content-length: 1\r\ncontent-length: 2\r\n', 'xx'),
      status: [400],
    },
    {
      what: 'Content-Length and chunked',
      bytes: send(
        'POST',
        '/api/identities',
        'content-length: 3\r\ntransfer-encoding: chunked\r\n',
        '0\r\n\r\n',
      ),
      status: [400],
    },
    {
      what: 'bad chunk',
      bytes: send('POST', '/api/identities', 'transfer-encoding: chunked\r\n', 'zz\r\nabc\r\n'),
      status: [400],
    },
    {
      what: 'huge declared body',
      bytes: send(
        'POST',
        '/api/identities',
        `x-gazecam-owner: ${OWNER}\r\ncontent-type: multipart/form-data; boundary=x\r\ncontent-length: 99999999999\r\n`,
        '',
      ),
      status: [413],
      code: 'IMAGE_TOO_LARGE',
    },
    {
      what: 'bad owner',
      bytes: get('/api/identities', 'x-gazecam-owner: %%%\r\n'),
      status: [400],
      code: 'BAD_REQUEST',
    },
    {
      what: 'foreign Host',
      bytes: 'GET /healthz HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n',
      status: [421],
      code: 'HOST_NOT_ALLOWED',
    },
    {
      what: 'garbage Host',
      bytes: 'GET /healthz HTTP/1.1\r\nHost: a b/c\r\nConnection: close\r\n\r\n',
      status: [400, 421],
    },
    { what: 'not HTTP', bytes: 'HELLO\r\n\r\n', status: [0, 400] },
    // Bodies.
    {
      what: 'multipart without boundary',
      bytes: post('/api/identities', 'multipart/form-data', 'abc'),
      status: [400],
      code: 'BAD_REQUEST',
    },
    {
      what: 'wrong boundary',
      bytes: post(
        '/api/identities',
        'multipart/form-data; boundary=zzz',
        '--aaa\r\ncontent-disposition: form-data; name="photo"; filename="a.jpg"\r\n\r\nxx\r\n--aaa--\r\n',
      ),
      status: [400],
      code: 'BAD_REQUEST',
    },
    {
      what: 'truncated multipart',
      bytes: post(
        '/api/identities',
        'multipart/form-data; boundary=b',
        '--b\r\ncontent-disposition: form-data; name="photo"; filename="a.jpg"\r\ncontent-type: image/jpeg\r\n\r\n\xff\xd8\xff',
      ),
      status: [400],
      code: 'BAD_REQUEST',
    },
    {
      what: 'photo not a file',
      bytes: post(
        '/api/identities',
        'multipart/form-data; boundary=b',
        '--b\r\ncontent-disposition: form-data; name="photo"\r\n\r\ntext\r\n--b--\r\n',
      ),
      status: [400],
    },
    {
      what: 'raw non-image',
      bytes: post('/api/identities', 'image/jpeg', '{"not": "an image"}'),
      status: [422],
      code: 'IMAGE_INVALID',
    },
    {
      what: 'JSON to the upload',
      bytes: post('/api/identities', 'application/json', '{"photo": '),
      status: [400, 422],
    },
    { what: 'JSON to /stats', bytes: post('/stats', 'application/json', '{oops'), status: [200, 404, 405] },
    { what: 'PUT /r/x', bytes: post('/r/x', 'text/plain', 'x'), status: [404] },
    {
      what: 'body cut off',
      bytes: send(
        'POST',
        '/api/identities',
        `x-gazecam-owner: ${OWNER}\r\ncontent-type: image/jpeg\r\ncontent-length: 100000\r\n`,
        'short',
      ),
      status: [0, 400],
      halfClose: true,
    },
    {
      what: 'WebSocket upgrade to /%',
      bytes:
        `GET /% HTTP/1.1\r\nHost: ${HOST}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        'Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      status: [0, 400],
    },
    // socket.io's own routes.
    { what: 'socket.io bad EIO', bytes: get('/socket.io/?EIO=99&transport=polling'), status: [400] },
    {
      what: 'socket.io bad sid',
      bytes: get('/socket.io/?EIO=4&transport=polling&sid=%E0%A4%A'),
      status: [400],
    },
    {
      what: 'socket.io garbage POST',
      bytes: post('/socket.io/?EIO=4&transport=polling&sid=nope', 'text/plain', '\0\0\0'),
      status: [400],
    },
    { what: 'socket.io %', bytes: get('/socket.io/?EIO=4&transport=polling&%'), status: [200, 400] },
  );
  return c;
}

describe('hostile requests against the real server', () => {
  let server: ChildServer;
  beforeAll(async () => {
    server = await startChildServer();
    HOST = `127.0.0.1:${server.port}`;
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('answers every malformed URL, header and body with a sensible status and keeps serving', async () => {
    const failures: string[] = [];
    for (const c of cases()) {
      const answer = await rawRequest(server.port, c.bytes, { halfClose: c.halfClose });
      if (answer.body.includes('root:x:0')) failures.push(`${c.what}: served /etc/passwd`);
      if (!c.status.includes(answer.status))
        failures.push(`${c.what}: ${answer.status} ${answer.body.slice(0, 120)}`);
      if (c.code && answer.status > 0) {
        let code: string | undefined;
        try {
          const body = JSON.parse(answer.body) as { ok: boolean; error?: { code: string } };
          code = body.ok === false ? body.error?.code : undefined;
        } catch {
          code = undefined;
        }
        if (code !== c.code) failures.push(`${c.what}: code ${code} (wanted ${c.code})`);
      }
      if (!server.alive() || (await healthz(server.port)) !== 200) {
        failures.push(`${c.what}: the server stopped serving`);
        break;
      }
    }
    expect(failures).toEqual([]);
    expect(server.alive()).toBe(true);
    expect(await healthz(server.port)).toBe(200);
  }, 120_000);
});
