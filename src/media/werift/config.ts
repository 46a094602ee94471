// werift PeerConnection configuration for every SFU connection. Facts checked with Chromium and wrtc peers:
// no STUN (its default host is unreachable here), VP8 with NACK/PLI/REMB and Opus, header extensions mid and
// abs-send-time only, no TWCC (werift's feedback starves Chromium's estimate), no RTX (wrtc rejects it).
// ICE: host candidates are ours to list (iceNetworkFromEnv), not werift's (it skips veth and tun interfaces).
// Sockets: max-bundle and IPv4 unless asked, so a connection opens one UDP socket per host address. werift's
// default (max-compat) gave each transceiver of an offer its own ICE transport, orphaned when the answer bundled
// them and never closed (about 2.5 x n^2 descriptors per room, EMFILE at ~72 people).
import { isIP } from 'node:net';
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
import { machineAddresses } from '../../util/addresses.ts';
import { AppError } from '../../util/errors.ts';

/** Lets the sender cap the receiver's playout delay (Chromium and libwebrtc honour it). */
export const PLAYOUT_DELAY_URI = 'http://www.webrtc.org/experiments/rtp-hdrext/playout-delay';

export interface IceNetwork {
  /** Addresses the SFU advertises as host candidates; each gets a UDP socket bound to the wildcard address. */
  hostAddresses: string[];
  /** UDP ports the SFU's ICE sockets use (inclusive), for firewalls and port forwarding. */
  portRange?: [number, number];
}

function port(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1024 || n > 65535)
    throw new AppError('BAD_REQUEST', `${name}: ${raw} is not a port of 1024..65535`);
  return n;
}

/**
 * ANNOUNCED_IP (the public or NAT address browsers reach this machine at; its UDP ports must forward to the
 * same ports here) comes first, then this machine's interface addresses (agents and LAN browsers use them),
 * then the extra ones (SFU_ICE_HOSTS); 127.0.0.1 only on a machine with no other address.
 * RTC_MIN_PORT/RTC_MAX_PORT: the port range (both or neither).
 */
export function iceNetworkFromEnv(
  extra: string[] = [],
  env: NodeJS.ProcessEnv = process.env,
  ipv6 = false,
): IceNetwork {
  const announced = env.ANNOUNCED_IP?.trim();
  if (announced && !isIP(announced))
    throw new AppError('BAD_REQUEST', `ANNOUNCED_IP: "${announced}" is not an IP address`);
  const own = machineAddresses({ ipv6 });
  const hostAddresses = [...new Set([...(announced ? [announced] : []), ...own, ...extra])];
  if (hostAddresses.length === 0) hostAddresses.push('127.0.0.1');
  const { RTC_MIN_PORT: min, RTC_MAX_PORT: max } = env;
  if (!min && !max) return { hostAddresses };
  if (!min || !max) throw new AppError('BAD_REQUEST', 'RTC_MIN_PORT and RTC_MAX_PORT go together');
  const range: [number, number] = [port('RTC_MIN_PORT', min), port('RTC_MAX_PORT', max)];
  if (range[0] >= range[1])
    throw new AppError('BAD_REQUEST', `RTC_MIN_PORT ${min} must be below RTC_MAX_PORT ${max}`);
  return { hostAddresses, portRange: range };
}

export interface IceOptions {
  /** Extra host addresses to offer (SFU_ICE_HOSTS). */
  extraHostAddresses?: string[];
  /** Offer this machine's IPv6 addresses too (one more socket per connection and address). */
  ipv6?: boolean;
}

export function peerConfig({ extraHostAddresses = [], ipv6 = false }: IceOptions = {}): Partial<PeerConfig> {
  const ice = iceNetworkFromEnv(extraHostAddresses, process.env, ipv6);
  return {
    iceServers: [],
    bundlePolicy: 'max-bundle',
    // werift gathers nothing by itself; every host address is listed.
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ice.hostAddresses,
    icePortRange: ice.portRange,
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
