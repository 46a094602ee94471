// multipart/form-data parsed in place: each part's content is a view into the body, so an 80 MB form costs
// 80 MB, not the three or four copies a general parser (Request.formData + File.arrayBuffer) makes. Anything
// malformed (no or odd boundary, a part cut off, no closing delimiter) is BAD_REQUEST.
import { AppError } from '../util/errors.ts';

export interface FormPart {
  name: string;
  /** Set for file parts (possibly empty: a file chosen without a name). */
  filename?: string;
  data: Uint8Array;
}

const CRLF = Buffer.from('\r\n');
const HEADERS_END = Buffer.from('\r\n\r\n');

const bad = (why: string) => new AppError('BAD_REQUEST', `malformed multipart body: ${why}`);

/** The boundary parameter of a multipart/form-data Content-Type (RFC 2046: 1-70 characters). */
export function boundaryOf(contentType: string): string {
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))\s*(?:;|$)/i.exec(contentType);
  const b = m?.[1] ?? m?.[2];
  if (!b) throw bad('no boundary in the content type');
  return b;
}

/** The parts of the body, in order; at most maxParts. */
export function parseMultipart(body: Uint8Array, boundary: string, maxParts: number): FormPart[] {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.length);
  const delim = Buffer.from(`--${boundary}`);
  const next = Buffer.from(`\r\n--${boundary}`);
  const parts: FormPart[] = [];
  let pos = buf.indexOf(delim);
  if (pos < 0) throw bad('no part with the declared boundary');
  for (;;) {
    pos += delim.length;
    if (buf[pos] === 0x2d && buf[pos + 1] === 0x2d) return parts; // closing delimiter
    while (buf[pos] === 0x20 || buf[pos] === 0x09) pos++; // transport padding
    if (!buf.subarray(pos, pos + 2).equals(CRLF)) throw bad('a delimiter is not followed by a line end');
    pos += 2;
    let headers = '';
    let start: number;
    if (buf.subarray(pos, pos + 2).equals(CRLF)) start = pos + 2;
    else {
      const end = buf.indexOf(HEADERS_END, pos);
      if (end < 0) throw bad('a part is cut off in its headers');
      headers = buf.toString('utf8', pos, end);
      start = end + 4;
    }
    const stop = buf.indexOf(next, start);
    if (stop < 0) throw bad('a part is cut off (no closing delimiter)');
    const disposition = dispositionOf(headers);
    if (disposition) parts.push({ ...disposition, data: body.subarray(start, stop) });
    if (parts.length > maxParts) throw bad(`more than ${maxParts} parts`);
    pos = stop + 2;
  }
}

/** name and filename of `content-disposition: form-data; ...`; null for a part without a name. */
function dispositionOf(headers: string): { name: string; filename?: string } | null {
  const line = headers.split('\r\n').find((h) => /^content-disposition\s*:/i.test(h));
  if (!line) return null;
  const params = new Map<string, string>();
  for (const m of line.matchAll(/;\s*([A-Za-z*]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/g)) {
    params.set(m[1].toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]);
  }
  const name = params.get('name');
  if (name === undefined) return null;
  const filename = params.get('filename');
  return filename === undefined ? { name } : { name, filename };
}
