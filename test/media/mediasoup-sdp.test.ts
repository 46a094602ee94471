// The mediasoup backend's SDP, checked against libwebrtc (the headless client's @roamhq/wrtc), no worker
// needed: a real publish offer becomes Opus/VP8 producer parameters and libwebrtc accepts the answer written
// for it; libwebrtc answers a subscribe offer written from consumer parameters, and its answer gives the DTLS
// role; malformed input is BAD_REQUEST.
import wrtc from '@roamhq/wrtc';
import type { types } from 'mediasoup';
import { afterEach, describe, expect, it } from 'vitest';
import { acceptSection, MID_URI, TWCC_URI } from '../../src/media/mediasoup/rtp.ts';
import { parseSdp, remoteDtls } from '../../src/media/mediasoup/sdp-parse.ts';
import { type LocalTransport, type SectionSpec, writeSdp } from '../../src/media/mediasoup/sdp-write.ts';
import { HeadlessCamera } from '../../src/probe/camera.ts';

// What a mediasoup WebRTC transport reports (the shape, with an address and keys of our own).
const transport: LocalTransport = {
  iceParameters: {
    usernameFragment: 'abcdefgh12345678',
    password: 'abcdefghijklmnopqrstuvwxyz012345',
    iceLite: true,
  },
  iceCandidates: [
    {
      foundation: 'udpcandidate',
      priority: 1076302079,
      ip: '127.0.0.1',
      address: '127.0.0.1',
      protocol: 'udp',
      port: 40000,
      type: 'host',
    },
  ],
  dtlsParameters: {
    role: 'auto',
    fingerprints: [
      {
        algorithm: 'sha-256',
        value:
          'D2:FA:0E:C3:22:59:5E:14:95:69:92:3D:13:B4:84:24:2C:C2:A2:C0:3E:FD:34:8E:5E:EA:6F:AF:52:CE:E6:0F',
      },
    ],
  },
};

const pcs: RTCPeerConnection[] = [];
const cams: HeadlessCamera[] = [];
afterEach(() => {
  for (const pc of pcs.splice(0)) pc.close();
  for (const c of cams.splice(0)) c.stop();
});

function peer(): RTCPeerConnection {
  const pc = new wrtc.RTCPeerConnection({ iceServers: [] }) as RTCPeerConnection;
  pcs.push(pc);
  return pc;
}

describe('mediasoup backend SDP with libwebrtc', () => {
  it('a publish offer becomes Opus and VP8 producers and libwebrtc takes the answer', async () => {
    const pc = peer();
    const cam = new HeadlessCamera({ audio: true });
    cams.push(cam);
    for (const t of cam.tracks()) pc.addTransceiver(t, { direction: 'sendonly' });
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    const parsed = parseSdp(offer.sdp ?? '');
    expect(parsed.media.map((m) => m.type).sort()).toEqual(['audio', 'video']);
    const accepted = parsed.media.map((m) => acceptSection(m, true));
    const audio = accepted.find((a) => a?.kind === 'audio');
    const video = accepted.find((a) => a?.kind === 'video');
    expect(audio?.rtpParameters.codecs[0]).toMatchObject({
      mimeType: 'audio/opus',
      clockRate: 48000,
      channels: 2,
    });
    expect(video?.rtpParameters.codecs[0]).toMatchObject({ mimeType: 'video/VP8', clockRate: 90000 });
    // The SSRC the client sends on, its CNAME, and the mid extension that lets mediasoup match without it.
    expect(video?.ssrc).toBeGreaterThan(0);
    expect(video?.rtpParameters.rtcp?.cname).toBeTruthy();
    expect(video?.rtpParameters.headerExtensions?.map((e) => e.uri)).toContain(MID_URI);
    expect(video?.rtpParameters.headerExtensions?.map((e) => e.uri)).toContain(TWCC_URI);
    const fb = video?.rtpParameters.codecs[0].rtcpFeedback?.map((f) => `${f.type} ${f.parameter}`.trim());
    expect(fb).toEqual(expect.arrayContaining(['nack', 'nack pli', 'goog-remb', 'transport-cc']));
    // Without TWCC neither the extension nor the feedback is taken.
    const remb = acceptSection(parsed.media.find((m) => m.type === 'video') ?? parsed.media[0], false);
    expect(remb?.rtpParameters.headerExtensions?.map((e) => e.uri)).not.toContain(TWCC_URI);
    const sections = accepted.map((a) => a?.answer as SectionSpec);
    const answer = writeSdp(transport, sections, 'passive', 1);
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    expect(pc.signalingState).toBe('stable');
    expect(remoteDtls(parsed).role).toBe('client');
  });

  it('libwebrtc answers a subscribe offer written from consumer parameters (active: it is the DTLS client)', async () => {
    const pc = peer();
    const tracks: RTCTrackEvent[] = [];
    pc.ontrack = (ev) => tracks.push(ev);
    const codecs: Record<'audio' | 'video', types.RtpCodecParameters> = {
      audio: {
        mimeType: 'audio/opus',
        payloadType: 111,
        clockRate: 48000,
        channels: 2,
        parameters: { minptime: 10, useinbandfec: 1 },
        rtcpFeedback: [],
      },
      video: {
        mimeType: 'video/VP8',
        payloadType: 96,
        clockRate: 90000,
        parameters: {},
        rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'goog-remb' }],
      },
    };
    const section = (kind: 'audio' | 'video', mid: string, ssrc: number): SectionSpec => ({
      kind: 'media',
      type: kind,
      mid,
      direction: 'sendonly',
      codecs: [codecs[kind]],
      headerExtensions: [{ uri: MID_URI, id: 1 }],
      send: { ssrc, cname: 'p1', streamId: `p1-${kind}`, trackId: `p1-${kind}-${mid}` },
    });
    const offer = writeSdp(
      transport,
      [section('audio', '0', 1111), section('video', '1', 2222)],
      'actpass',
      1,
    );
    await pc.setRemoteDescription({ type: 'offer', sdp: offer });
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    expect(tracks.map((t) => [t.transceiver.mid, t.track.kind])).toEqual([
      ['0', 'audio'],
      ['1', 'video'],
    ]);
    const parsed = parseSdp(answer.sdp ?? '');
    expect(parsed.media.map((m) => m.direction)).toEqual(['recvonly', 'recvonly']);
    expect(remoteDtls(parsed)).toMatchObject({ role: 'client', fingerprints: [{ algorithm: 'sha-256' }] });
    // The same m-line with a new SSRC (a source swapped in): the receiver keeps its track.
    const video = tracks[1].track;
    const swapped = writeSdp(
      transport,
      [section('audio', '0', 1111), section('video', '1', 3333)],
      'actpass',
      2,
    );
    await pc.setRemoteDescription({ type: 'offer', sdp: swapped });
    await pc.setLocalDescription(await pc.createAnswer());
    expect(pc.getTransceivers()[1].receiver.track).toBe(video);
  });

  it('malformed SDP is BAD_REQUEST', () => {
    expect(() => parseSdp('hello')).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => parseSdp('v=0\r\nm=video\r\n')).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => parseSdp('v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:x\r\n')).toThrow(
      expect.objectContaining({ code: 'BAD_REQUEST' }),
    );
    expect(() => parseSdp('v=0\r\na=fingerprint:md5 00\r\n')).toThrow(
      expect.objectContaining({ code: 'BAD_REQUEST' }),
    );
    expect(() => remoteDtls(parseSdp('v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n'))).toThrow(
      expect.objectContaining({ code: 'BAD_REQUEST' }),
    );
  });
});
