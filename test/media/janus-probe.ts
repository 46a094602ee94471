// Looks at a Janus from outside the SFU under test: its own session and handle, asking the VideoRoom which
// rooms exist and who is in them.
import { JanusHandle } from '../../src/media/janus/handle.ts';
import { JanusSession } from '../../src/media/janus/session.ts';

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
