// Camera effects as the server knows them: avatar and eye contact, each on or off, make one mode; avatar needs
// a picked identity. The pick is remembered in localStorage.
import type { Mode } from '../../../src/signaling/protocol.ts';
import type { Call } from './call.ts';

const IDENTITY_KEY = 'gazecam.identity';

export function modeOf(avatar: boolean, eyes: boolean): Mode {
  return avatar && eyes ? 'both' : avatar ? 'avatar' : eyes ? 'eyes' : 'none';
}

export class Effects {
  /** The effects the server last accepted. */
  avatar = false;
  eyes = false;
  identityId: string | null = localStorage.getItem(IDENTITY_KEY);

  get mode(): Mode {
    return modeOf(this.avatar, this.eyes);
  }

  /** Picks (and remembers) the identity avatar mode shows; null forgets it. */
  pick(id: string | null): void {
    this.identityId = id;
    if (id) localStorage.setItem(IDENTITY_KEY, id);
    else localStorage.removeItem(IDENTITY_KEY);
  }

  /** Asks the server for these effects; they become the current ones once it accepts. A refusal rejects with
   * the server's RequestError (AGENT_LIMIT, IDENTITY_NOT_FOUND, ...) and changes nothing. */
  async apply(call: Call, avatar: boolean, eyes: boolean, debugSketch: boolean): Promise<void> {
    await call.settings(modeOf(avatar, eyes), this.identityId, debugSketch);
    this.avatar = avatar;
    this.eyes = eyes;
  }

  /** A new call starts with every effect off. */
  reset(): void {
    this.avatar = false;
    this.eyes = false;
  }
}
