// What the mediasoup backend negotiates, as werift's does: Opus and VP8 with NACK/PLI/FIR and REMB, header
// extensions mid and abs-send-time; transport-wide congestion control only with MEDIASOUP_TWCC=1 (with it,
// 4 libwebrtc publishers got 16-17 fps of 25 where REMB gave 25, on this loaded machine). No RTX: headless
// libwebrtc peers reject it, and mediasoup retransmits on the original SSRC without it.
import type { types } from 'mediasoup';
import type { Kind } from '../sdp-types.ts';
import { fmtpParameters, type MediaSection } from './sdp-parse.ts';
import type { SectionSpec } from './sdp-write.ts';

export const MID_URI = 'urn:ietf:params:rtp-hdrext:sdes:mid';
export const ABS_SEND_TIME_URI = 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time';
export const TWCC_URI = 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';

export const MEDIA_CODECS: types.RouterRtpCodecCapability[] = [
  {
    kind: 'audio',
    mimeType: 'audio/opus',
    clockRate: 48000,
    channels: 2,
    preferredPayloadType: 111,
    parameters: { minptime: 10, useinbandfec: 1 },
  },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, preferredPayloadType: 96 },
];

function extensionUris(twcc: boolean): string[] {
  return twcc ? [MID_URI, ABS_SEND_TIME_URI, TWCC_URI] : [MID_URI, ABS_SEND_TIME_URI];
}

function feedbackWanted(kind: Kind, fb: { type: string; parameter?: string }, twcc: boolean): boolean {
  if (fb.type === 'transport-cc') return twcc;
  if (kind === 'audio') return false;
  return (
    (fb.type === 'nack' && (!fb.parameter || fb.parameter === 'pli')) ||
    (fb.type === 'ccm' && fb.parameter === 'fir') ||
    fb.type === 'goog-remb'
  );
}

/** What a subscriber's connection is assumed to receive: the router's Opus/VP8 and our extensions. */
export function receiveCapabilities(router: types.Router, twcc: boolean): types.RtpCapabilities {
  const uris = extensionUris(twcc);
  const caps = router.rtpCapabilities;
  return {
    codecs: (caps.codecs ?? [])
      .filter((c) => c.mimeType === 'audio/opus' || c.mimeType === 'video/VP8')
      .map((c) => ({
        ...c,
        rtcpFeedback: (c.rtcpFeedback ?? []).filter((fb) => feedbackWanted(c.kind, fb, twcc)),
      })),
    headerExtensions: (caps.headerExtensions ?? []).filter((e) => uris.includes(e.uri)),
  };
}

/** Direct (in-process) consumers and producers: the codec only, no extensions, no feedback. */
export function directCapabilities(router: types.Router): types.RtpCapabilities {
  return {
    codecs: (router.rtpCapabilities.codecs ?? [])
      .filter((c) => c.mimeType === 'audio/opus')
      .map((c) => ({ ...c, rtcpFeedback: [] })),
    headerExtensions: [],
  };
}

export interface PublishedSection {
  kind: Kind;
  mid: string;
  /** The primary SSRC (undefined: the client signalled none, mediasoup matches by mid). */
  ssrc?: number;
  rtpParameters: types.RtpParameters;
  answer: Extract<SectionSpec, { kind: 'media' }>;
}

/**
 * What of an offered audio/video section can be received: its Opus or VP8 codec with the feedback and
 * extensions this backend uses, or null (the section is answered as rejected).
 */
export function acceptSection(section: MediaSection, twcc: boolean): PublishedSection | null {
  if ((section.type !== 'audio' && section.type !== 'video') || section.mid === null) return null;
  const kind: Kind = section.type;
  const want = kind === 'audio' ? { name: 'opus', clock: 48000 } : { name: 'vp8', clock: 90000 };
  const pt = section.formats.map(Number).find((p) => {
    const m = section.rtpmap.get(p);
    return m?.name.toLowerCase() === want.name && m.clockRate === want.clock;
  });
  if (pt === undefined) return null;
  const map = section.rtpmap.get(pt);
  const rtcpFeedback = (section.rtcpFb.get(pt) ?? [])
    .filter((fb) => feedbackWanted(kind, fb, twcc))
    .map((fb) => ({ type: fb.type, parameter: fb.parameter }));
  const codec: types.RtpCodecParameters = {
    mimeType: kind === 'audio' ? 'audio/opus' : 'video/VP8',
    payloadType: pt,
    clockRate: want.clock,
    ...(kind === 'audio' ? { channels: map?.channels ?? 2 } : {}),
    parameters: fmtpParameters(section.fmtp.get(pt)),
    rtcpFeedback,
  };
  const uris = extensionUris(twcc);
  const headerExtensions = section.extmap
    .filter((e) => uris.includes(e.uri))
    .map((e) => ({ uri: e.uri as types.RtpHeaderExtensionUri, id: e.id }));
  const fid = section.ssrcGroups.find((g) => g.semantics === 'FID');
  const ssrc = fid?.ssrcs[0] ?? section.ssrcs[0]?.ssrc;
  const cname = section.ssrcs.find((s) => s.ssrc === ssrc)?.cname ?? section.ssrcs[0]?.cname;
  return {
    kind,
    mid: section.mid,
    ssrc,
    rtpParameters: {
      mid: section.mid,
      codecs: [codec],
      headerExtensions,
      encodings: [ssrc === undefined ? {} : { ssrc }],
      rtcp: { cname, reducedSize: true },
    },
    answer: {
      kind: 'media',
      type: kind,
      mid: section.mid,
      direction:
        section.direction === 'sendonly' || section.direction === 'sendrecv' ? 'recvonly' : 'inactive',
      codecs: [codec],
      headerExtensions,
    },
  };
}
