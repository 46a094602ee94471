// Where mediasoup's transports listen, from the same settings as the werift backend: ANNOUNCED_IP (the public
// or NAT address, announced for a socket on every interface), this machine's addresses, SFU_ICE_HOSTS, and
// RTC_MIN_PORT/RTC_MAX_PORT as the UDP port range.
import type { types } from 'mediasoup';
import { iceNetworkFromEnv } from '../werift/config.ts';

export function listenInfos(
  extra: string[],
  ipv6: boolean,
  env: NodeJS.ProcessEnv = process.env,
): types.TransportListenInfo[] {
  const ice = iceNetworkFromEnv(extra, env, ipv6);
  const announced = env.ANNOUNCED_IP?.trim();
  const portRange = ice.portRange ? { min: ice.portRange[0], max: ice.portRange[1] } : undefined;
  return ice.hostAddresses.map((address) => {
    const wildcard = address.includes(':') ? '::' : '0.0.0.0';
    return address === announced
      ? { protocol: 'udp', ip: wildcard, announcedAddress: address, ...(portRange ? { portRange } : {}) }
      : { protocol: 'udp', ip: address, ...(portRange ? { portRange } : {}) };
  });
}
