// werift PeerConnection configuration for every SFU connection. Facts checked with Chromium and wrtc peers:
// no STUN (its default host is unreachable here), VP8 with NACK/PLI/REMB and Opus, header extensions mid and
// abs-send-time only, no TWCC (werift's feedback starves Chromium's estimate), no RTX (wrtc rejects it).
// Sockets: max-bundle and IPv4 only, so a connection gathers one UDP socket per host address. werift's default
// (max-compat) gave each transceiver of an offer its own ICE transport, orphaned when the answer bundled them
// and never closed (about 2.5 x n^2 descriptors per room, EMFILE at ~72 people).
import {
  type PeerConfig,
  RTCRtpCodecParameters,
  RTCRtpHeaderExtensionParameters,
  useAbsSendTime,
  useNACK,
  usePLI,
  useREMB,
  useSdesMid,
} from 'werift';

/** Lets the sender cap the receiver's playout delay (Chromium and libwebrtc honour it). */
export const PLAYOUT_DELAY_URI = 'http://www.webrtc.org/experiments/rtp-hdrext/playout-delay';

export interface IceOptions {
  /** Extra host addresses to offer (e.g. 127.0.0.1 where loopback is the only interface). */
  extraHostAddresses?: string[];
  /** Gather IPv6 host candidates too (one more socket per connection and interface). */
  ipv6?: boolean;
}

export function peerConfig({ extraHostAddresses = [], ipv6 = false }: IceOptions = {}): Partial<PeerConfig> {
  return {
    iceServers: [],
    bundlePolicy: 'max-bundle',
    iceUseIpv6: ipv6,
    iceAdditionalHostAddresses: extraHostAddresses.length ? extraHostAddresses : undefined,
    codecs: {
      audio: [
        new RTCRtpCodecParameters({
          mimeType: 'audio/opus',
          clockRate: 48000,
          channels: 2,
          payloadType: 111,
          parameters: 'minptime=10;useinbandfec=1',
        }),
      ],
      video: [
        new RTCRtpCodecParameters({
          mimeType: 'video/VP8',
          clockRate: 90000,
          payloadType: 96,
          rtcpFeedback: [useNACK(), usePLI(), useREMB()],
        }),
      ],
    },
    // Separate objects per kind: werift assigns ids on them.
    headerExtensions: {
      audio: [useSdesMid(), useAbsSendTime()],
      video: [
        useSdesMid(),
        useAbsSendTime(),
        new RTCRtpHeaderExtensionParameters({ uri: PLAYOUT_DELAY_URI }),
      ],
    },
  };
}
