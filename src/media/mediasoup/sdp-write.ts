// Writing SDP for the mediasoup backend: the answer to a client's publish offer and the server's subscribe
// offer, from a WebRTC transport's ICE/DTLS parameters and producers'/consumers' RTP parameters. mediasoup is
// ICE-lite: its candidates are in the SDP, the client's are never needed.
import type { types } from 'mediasoup';

export interface LocalTransport {
  iceParameters: types.IceParameters;
  iceCandidates: types.IceCandidate[];
  dtlsParameters: types.DtlsParameters;
}

/** One m-section to write. */
export type SectionSpec =
  | {
      kind: 'media';
      type: 'audio' | 'video';
      mid: string;
      direction: 'recvonly' | 'sendonly' | 'inactive';
      codecs: types.RtpCodecParameters[];
      headerExtensions: types.RtpHeaderExtensionParameters[];
      /** Sending sections: the stream's SSRC, CNAME and msid. */
      send?: { ssrc: number; cname: string; streamId: string; trackId: string };
    }
  /** A rejected section (port 0), echoing the offer's m-line. */
  | { kind: 'rejected'; type: string; mid: string | null; proto: string; formats: string[] };

const SESSION_ID = String(Date.now());

function codecLines(codec: types.RtpCodecParameters): string[] {
  const [, name] = codec.mimeType.split('/');
  const pt = codec.payloadType;
  const channels = codec.channels && codec.channels > 1 ? `/${codec.channels}` : '';
  const lines = [`a=rtpmap:${pt} ${name}/${codec.clockRate}${channels}`];
  const params = Object.entries(codec.parameters ?? {}).map(([k, v]) => `${k}=${v}`);
  if (params.length) lines.push(`a=fmtp:${pt} ${params.join(';')}`);
  for (const fb of codec.rtcpFeedback ?? []) {
    lines.push(`a=rtcp-fb:${pt} ${fb.type}${fb.parameter ? ` ${fb.parameter}` : ''}`);
  }
  return lines;
}

function candidateLines(t: LocalTransport): string[] {
  const lines = t.iceCandidates.map((c) => {
    const tcp = c.protocol === 'tcp' ? ` tcptype ${c.tcpType ?? 'passive'}` : '';
    return `a=candidate:${c.foundation} 1 ${c.protocol} ${c.priority} ${c.address} ${c.port} typ host${tcp}`;
  });
  lines.push('a=end-of-candidates');
  return lines;
}

function mediaLines(
  s: Extract<SectionSpec, { kind: 'media' }>,
  t: LocalTransport,
  setup: 'passive' | 'actpass',
): string[] {
  const pts = s.codecs.map((c) => c.payloadType).join(' ');
  const lines = [
    `m=${s.type} 9 UDP/TLS/RTP/SAVPF ${pts}`,
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    `a=ice-ufrag:${t.iceParameters.usernameFragment}`,
    `a=ice-pwd:${t.iceParameters.password}`,
    'a=ice-options:renomination',
    `a=setup:${setup}`,
    `a=mid:${s.mid}`,
    `a=${s.direction}`,
    'a=rtcp-mux',
    'a=rtcp-rsize',
  ];
  for (const e of s.headerExtensions) lines.push(`a=extmap:${e.id} ${e.uri}`);
  for (const c of s.codecs) lines.push(...codecLines(c));
  if (s.send && s.direction === 'sendonly') {
    const { ssrc, cname, streamId, trackId } = s.send;
    lines.push(
      `a=msid:${streamId} ${trackId}`,
      `a=ssrc:${ssrc} cname:${cname}`,
      `a=ssrc:${ssrc} msid:${streamId} ${trackId}`,
    );
  }
  lines.push(...candidateLines(t));
  return lines;
}

/**
 * A whole SDP: the answer to a publish offer (setup passive: the client is the DTLS client) or the server's
 * subscribe offer (actpass: the client chooses, browsers choose active). `version` must rise per offer.
 */
export function writeSdp(
  t: LocalTransport,
  sections: SectionSpec[],
  setup: 'passive' | 'actpass',
  version: number,
): string {
  // One fingerprint: libwebrtc reads a single a=fingerprint.
  const fps = t.dtlsParameters.fingerprints;
  const fp = fps.find((f) => f.algorithm === 'sha-256') ?? fps[fps.length - 1];
  const bundled = sections.filter((s) => s.kind === 'media').map((s) => s.mid);
  const lines = [
    'v=0',
    `o=gazecam-sfu ${SESSION_ID} ${version} IN IP4 0.0.0.0`,
    's=-',
    't=0 0',
    'a=ice-lite',
    ...(bundled.length ? [`a=group:BUNDLE ${bundled.join(' ')}`] : []),
    'a=msid-semantic: WMS *',
    `a=fingerprint:${fp.algorithm} ${fp.value}`,
  ];
  for (const s of sections) {
    if (s.kind === 'media') lines.push(...mediaLines(s, t, setup));
    else {
      lines.push(`m=${s.type} 0 ${s.proto} ${s.formats.join(' ')}`, 'c=IN IP4 0.0.0.0');
      if (s.mid !== null) lines.push(`a=mid:${s.mid}`);
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}
