// A call server with real agent processes for one test file: the launcher and server start before its tests,
// and after them the file's cleanups run, the server closes, its agents exit and the launcher's spawner ends.
import { afterAll, beforeAll } from 'vitest';
import { ProcessAgentLauncher, type ProcessLauncherOptions } from '../../src/inference/agent/launcher.ts';
import type { HeadlessCamera } from '../../src/probe/camera.ts';
import type { App } from '../../src/server/app.ts';
import { joinAs, startTestServer, until } from '../media/helpers.ts';

export interface AgentRig {
  /** Set in beforeAll (a skipped file starts no processes). */
  launcher: ProcessAgentLauncher;
  app: App;
  /** Run last-in first-out before the server closes. */
  cleanup: Array<() => void>;
}

/** Call at the top of a file or inside a describe; read the fields inside tests. */
export function useAgentRig(opts: ProcessLauncherOptions = {}): AgentRig {
  const rig = { cleanup: [] } as unknown as AgentRig;
  beforeAll(async () => {
    rig.launcher = new ProcessAgentLauncher(opts);
    rig.app = await startTestServer(rig.launcher);
  });
  afterAll(async () => {
    for (const f of rig.cleanup.reverse()) f();
    await rig.app?.close();
    if (!rig.launcher) return;
    await until(() => rig.launcher.handles.size === 0, 'agent processes to exit', 10_000);
    rig.launcher.close();
  });
  return rig;
}

/** A and B in `room`, A publishing `cam`; both clients and the camera are closed with the rig. */
export async function publishingPair(rig: AgentRig, room: string, cam: HeadlessCamera) {
  const a = await joinAs(rig.app, room, 'A');
  const b = await joinAs(rig.app, room, 'B');
  rig.cleanup.push(
    () => a.client.close(),
    () => b.client.close(),
    () => cam.stop(),
  );
  cam.start();
  await a.client.publish(cam.tracks());
  return { a, b };
}
