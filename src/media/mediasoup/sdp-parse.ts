// Reading the clients' SDPs for the mediasoup backend (mediasoup speaks RTP parameters, not SDP): the publish
// offer becomes producers' RTP parameters, the subscribe answer gives the DTLS fingerprint and role. Only
// what those need is read; anything malformed is a BAD_REQUEST.
import type { types } from 'mediasoup';
import { AppError } from '../../util/errors.ts';

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface RtpMap {
  name: string;
  clockRate: number;
  channels?: number;
}

export interface MediaSection {
  /** The m-line's media type ("audio", "video", "application", ...). */
  type: string;
  port: number;
  proto: string;
  /** The m-line's format list, as written. */
  formats: string[];
  mid: string | null;
  direction: Direction;
  rtpmap: Map<number, RtpMap>;
  fmtp: Map<number, string>;
  rtcpFb: Map<number, Array<{ type: string; parameter: string }>>;
  extmap: Array<{ id: number; uri: string }>;
  /** SSRCs in order of appearance with their CNAME. */
  ssrcs: Array<{ ssrc: number; cname?: string }>;
  ssrcGroups: Array<{ semantics: string; ssrcs: number[] }>;
  fingerprint?: types.DtlsFingerprint;
  setup?: string;
}

export interface ParsedSdp {
  media: MediaSection[];
  /** Session-level or first media-level fingerprint. */
  fingerprint: types.DtlsFingerprint | null;
  /** a=setup of the first section that has one (session level first). */
  setup: string | null;
}

const ALGORITHMS = new Set(['sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512']);

function fingerprintOf(value: string): types.DtlsFingerprint {
  const [algorithm, fp] = value.trim().split(/\s+/);
  const alg = algorithm?.toLowerCase();
  if (!alg || !ALGORITHMS.has(alg) || !fp || !/^[0-9A-Fa-f:]+$/.test(fp)) {
    throw new AppError('BAD_REQUEST', `bad a=fingerprint: ${value.slice(0, 80)}`);
  }
  return { algorithm: alg as types.FingerprintAlgorithm, value: fp.toUpperCase() };
}

function int(s: string | undefined, what: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0) throw new AppError('BAD_REQUEST', `bad ${what} in SDP: ${s}`);
  return n;
}

function parseMLine(line: string): Pick<MediaSection, 'type' | 'port' | 'proto' | 'formats'> {
  const [type, port, proto, ...formats] = line.slice(2).trim().split(/\s+/);
  if (!type || !port || !proto) throw new AppError('BAD_REQUEST', `bad m-line: ${line.slice(0, 80)}`);
  return { type, port: int(port.split('/')[0], 'm-line port'), proto, formats };
}

function attribute(section: MediaSection, name: string, value: string): void {
  switch (name) {
    case 'mid':
      section.mid = value.trim();
      return;
    case 'sendrecv':
    case 'sendonly':
    case 'recvonly':
    case 'inactive':
      section.direction = name;
      return;
    case 'rtpmap': {
      const m = /^(\d+)\s+([^/\s]+)\/(\d+)(?:\/(\d+))?/.exec(value);
      if (!m) throw new AppError('BAD_REQUEST', `bad a=rtpmap: ${value.slice(0, 80)}`);
      const channels = m[4] ? Number(m[4]) : undefined;
      section.rtpmap.set(Number(m[1]), { name: m[2], clockRate: Number(m[3]), channels });
      return;
    }
    case 'fmtp': {
      const m = /^(\d+)\s+(.*)$/.exec(value);
      if (m) section.fmtp.set(Number(m[1]), m[2].trim());
      return;
    }
    case 'rtcp-fb': {
      const m = /^(\d+|\*)\s+(\S+)(?:\s+(\S+))?/.exec(value);
      if (!m || m[1] === '*') return;
      const pt = Number(m[1]);
      const list = section.rtcpFb.get(pt) ?? [];
      list.push({ type: m[2], parameter: m[3] ?? '' });
      section.rtcpFb.set(pt, list);
      return;
    }
    case 'extmap': {
      const m = /^(\d+)(?:\/\S+)?\s+(\S+)/.exec(value);
      if (m) section.extmap.push({ id: Number(m[1]), uri: m[2] });
      return;
    }
    case 'ssrc': {
      const m = /^(\d+)\s+([^:\s]+)(?::(.*))?$/.exec(value);
      if (!m) return;
      const ssrc = Number(m[1]);
      let entry = section.ssrcs.find((s) => s.ssrc === ssrc);
      if (!entry) {
        entry = { ssrc };
        section.ssrcs.push(entry);
      }
      if (m[2] === 'cname' && m[3]) entry.cname = m[3].trim();
      return;
    }
    case 'ssrc-group': {
      const [semantics, ...ssrcs] = value.trim().split(/\s+/);
      if (semantics) section.ssrcGroups.push({ semantics, ssrcs: ssrcs.map(Number) });
      return;
    }
    case 'fingerprint':
      section.fingerprint = fingerprintOf(value);
      return;
    case 'setup':
      section.setup = value.trim();
      return;
  }
}

/** Parses the parts of an SDP this backend reads. */
export function parseSdp(sdp: string): ParsedSdp {
  if (!/^v=0\r?\n/.test(sdp)) throw new AppError('BAD_REQUEST', 'not an SDP (no v=0 first)');
  const lines = sdp.split(/\r?\n/);
  let sessionFingerprint: types.DtlsFingerprint | null = null;
  let sessionSetup: string | null = null;
  const media: MediaSection[] = [];
  let current: MediaSection | null = null;
  for (const line of lines) {
    if (line.startsWith('m=')) {
      current = {
        ...parseMLine(line),
        mid: null,
        direction: 'sendrecv',
        rtpmap: new Map(),
        fmtp: new Map(),
        rtcpFb: new Map(),
        extmap: [],
        ssrcs: [],
        ssrcGroups: [],
      };
      media.push(current);
      continue;
    }
    if (!line.startsWith('a=')) continue;
    const colon = line.indexOf(':');
    const name = colon < 0 ? line.slice(2) : line.slice(2, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1);
    if (current) attribute(current, name, value);
    else if (name === 'fingerprint') sessionFingerprint = fingerprintOf(value);
    else if (name === 'setup') sessionSetup = value.trim();
  }
  const fingerprint = sessionFingerprint ?? media.find((m) => m.fingerprint)?.fingerprint ?? null;
  const setup = sessionSetup ?? media.find((m) => m.setup)?.setup ?? null;
  return { media, fingerprint, setup };
}

/** `a=fmtp` parameters as mediasoup's codec parameters (numbers where they are numbers). */
export function fmtpParameters(fmtp: string | undefined): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const part of (fmtp ?? '').split(';')) {
    const [k, v] = part.split('=').map((s) => s.trim());
    if (!k || v === undefined) continue;
    out[k] = /^\d+$/.test(v) ? Number(v) : v;
  }
  return out;
}

/** The remote side's DTLS parameters from its answer or offer (role from its a=setup). */
export function remoteDtls(parsed: ParsedSdp): types.DtlsParameters {
  if (!parsed.fingerprint) throw new AppError('BAD_REQUEST', 'SDP has no a=fingerprint');
  // active: the remote is the DTLS client; passive: the server; actpass (an offer): we answer passive.
  const role: types.DtlsRole = parsed.setup === 'passive' ? 'server' : 'client';
  return { role, fingerprints: [parsed.fingerprint] };
}
