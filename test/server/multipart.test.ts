// The in-place multipart/form-data parser: what browsers and fetch send, and the malformed bodies it refuses.
import { describe, expect, it } from 'vitest';
import { boundaryOf, parseMultipart } from '../../src/server/multipart.ts';

/** A form as fetch encodes it: its body bytes and content type. */
async function encode(form: FormData): Promise<{ body: Uint8Array; type: string }> {
  const req = new Request('http://x/', { method: 'POST', body: form });
  return { body: new Uint8Array(await req.arrayBuffer()), type: req.headers.get('content-type') ?? '' };
}

const text = (u: Uint8Array) => new TextDecoder().decode(u);

describe('parseMultipart', () => {
  it('reads fields and files as fetch encodes them, the file bytes as views into the body', async () => {
    const form = new FormData();
    form.set('name', 'Ada');
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 31) & 0xff);
    form.append('photo', new Blob([bytes], { type: 'image/jpeg' }), 'a "quoted" ü.jpg');
    form.append('photo', new Blob(['\r\n--not-the-boundary\r\n']), 'b.jpg');
    const { body, type } = await encode(form);
    const parts = parseMultipart(body, boundaryOf(type), 8);
    expect(parts.map((p) => [p.name, p.filename])).toEqual([
      ['name', undefined],
      ['photo', 'a %22quoted%22 ü.jpg'],
      ['photo', 'b.jpg'],
    ]);
    expect(text(parts[0].data)).toBe('Ada');
    expect(Buffer.from(parts[1].data).equals(Buffer.from(bytes))).toBe(true);
    expect(parts[1].data.buffer).toBe(body.buffer); // no copy
    expect(text(parts[2].data)).toBe('\r\n--not-the-boundary\r\n');
  });

  it('takes a quoted, mixed-case boundary, a preamble, padding and a part without headers', () => {
    const type = 'multipart/form-data; boundary="AbC 123"; charset=utf-8';
    const raw =
      'preamble\r\n--AbC 123  \r\ncontent-disposition: form-data; name=photo; filename=x.jpg\r\n\r\nXY\r\n' +
      '--AbC 123\r\n\r\nno name, skipped\r\n--AbC 123--\r\nepilogue';
    const parts = parseMultipart(new TextEncoder().encode(raw), boundaryOf(type), 8);
    expect(parts).toHaveLength(1);
    expect([parts[0].name, parts[0].filename, text(parts[0].data)]).toEqual(['photo', 'x.jpg', 'XY']);
  });

  it('refuses malformed bodies with BAD_REQUEST', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    const head = '--b\r\ncontent-disposition: form-data; name="photo"; filename="a.jpg"\r\n\r\n';
    const cases: Array<() => unknown> = [
      () => boundaryOf('multipart/form-data'),
      () => boundaryOf('multipart/form-data; boundary='),
      () => boundaryOf(`multipart/form-data; boundary=${'x'.repeat(71)}`),
      () => parseMultipart(enc(`${head}abc\r\n--b--`), 'zzz', 8), // wrong boundary
      () => parseMultipart(enc(`${head}abc`), 'b', 8), // cut off
      () => parseMultipart(enc('--b\r\ncontent-disposition: form-data; name="p"'), 'b', 8), // cut in headers
      () => parseMultipart(enc(`--bX${head.slice(3)}abc\r\n--b--`), 'b', 8), // delimiter not followed by CRLF
      () => parseMultipart(enc(`${head}1\r\n${head}2\r\n${head}3\r\n--b--`), 'b', 2), // too many parts
    ];
    for (const c of cases) expect(c).toThrowError(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});
