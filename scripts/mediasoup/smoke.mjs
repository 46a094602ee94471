// Proves a freshly built or cached worker runs: a worker, a router with Opus and VP8, a WebRTC
// transport on 127.0.0.1, all closed again. Exits non-zero on any failure.
import { createWorker } from 'mediasoup';

const workerBin = process.argv[2];
const t0 = performance.now();
const worker = await createWorker({ workerBin, logLevel: 'warn' });
try {
  const router = await worker.createRouter({
    mediaCodecs: [
      { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
      { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
    ],
  });
  const transport = await router.createWebRtcTransport({ listenInfos: [{ protocol: 'udp', ip: '127.0.0.1' }] });
  if (transport.iceCandidates.length === 0) throw new Error('no ICE candidate');
  transport.close();
  router.close();
} finally {
  worker.close();
}
console.log(`build:mediasoup: worker ${workerBin} runs (smoke test ${Math.round(performance.now() - t0)} ms)`);
