// A small live camera for signaling tests: agents run only while their user's camera sends video, so a test
// that wants an agent publishes one (64x64 synthetic frames at 10 fps: cheap, but real RTP through the SFU) and
// waits until the server has received its video.
import { HeadlessCamera } from '../../src/probe/camera.ts';
import type { App } from '../../src/server/app.ts';
import type { HeadlessClient } from '../../src/signaling/headless-client.ts';
import { until } from '../media/helpers.ts';

export async function publishCamera(
  app: App,
  client: HeadlessClient,
  room: string,
  participantId: string,
): Promise<HeadlessCamera> {
  const cam = new HeadlessCamera({ width: 64, height: 64, fps: 10 });
  cam.start();
  try {
    await client.publish(cam.tracks());
    const packets = () => app.sfu.getRoom(room)?.getPeer(participantId)?.stats().packetsIn.video ?? 0;
    await until(() => packets() > 0, `video from ${participantId} at the server`);
  } catch (e) {
    cam.stop();
    throw e;
  }
  return cam;
}
