// werift PeerConnection configuration for every SFU connection. Facts checked with Chromium and wrtc peers:
// no STUN (its default host is unreachable here), VP8 with NACK/PLI/REMB and Opus, header extensions mid and
// abs-send-time only, no TWCC (werift's feedback starves Chromium's estimate), no RTX (wrtc rejects it).
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

export function peerConfig(extraHostAddresses: string[] = []): Partial<PeerConfig> {
  return {
    iceServers: [],
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
