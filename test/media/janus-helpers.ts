// Janus for tests: a call server on the Janus backend, and a probe that looks at Janus from outside the SFU
// under test (its own session and handle, asking the VideoRoom which rooms exist and who is in them).
import { JanusHandle } from '../../src/media/janus/handle.ts';
import { JanusSession } from '../../src/media/janus/session.ts';
import type { JanusSfu } from '../../src/media/janus/sfu.ts';
import type { App } from '../../src/server/app.ts';
import type { AgentLauncher } from '../../src/signaling/agents.ts';
import { startTestServer } from './helpers.ts';

/** A call server whose SFU is the Janus at `url` (SFU=janus, JANUS_URL as `npm start` reads them). */
export async function startJanusServer(url: string, launcher?: AgentLauncher): Promise<App> {
  const saved = { SFU: process.env.SFU, JANUS_URL: process.env.JANUS_URL };
  process.env.SFU = 'janus';
  process.env.JANUS_URL = url;
  try {
    return await startTestServer(launcher);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** Waits for the Janus SFU's background requests (detaches, room destroys) to finish. */
export async function janusSettled(app: App): Promise<void> {
  await (app.sfu as JanusSfu).settled();
}

export class JanusProbe {
  readonly #session: JanusSession;
  readonly #handle: JanusHandle;

  private constructor(session: JanusSession, handle: JanusHandle) {
    this.#session = session;
    this.#handle = handle;
  }

  static async open(url: string): Promise<JanusProbe> {
    const session = await JanusSession.create(url);
    return new JanusProbe(session, await JanusHandle.attach(session));
  }

  async exists(room: number): Promise<boolean> {
    return (await this.#handle.query({ request: 'exists', room })).exists === true;
  }

  async participants(room: number): Promise<Array<{ id: number; display?: string }>> {
    return (await this.#handle.query({ request: 'listparticipants', room })).participants ?? [];
  }

  async close(): Promise<void> {
    await this.#session.destroy();
  }
}
