// The call page's state, shared by its modules (one page, one call at a time).
import type { Call } from '../core/call.ts';
import { Effects } from '../core/effects.ts';
import type { Identity } from '../core/identities.ts';
import type { Viewer } from '../core/viewer.ts';

interface PageState {
  call: Call | null;
  media: MediaStream | null;
  identities: Identity[];
  effects: Effects;
  /** Your own processed stream as the others see it (a viewer connection, open while in the call). */
  preview: Viewer | null;
  previewStream: MediaStream | null;
  previewOpening: boolean;
  statsTimer: number | null;
  rejoining: boolean;
}

export const state: PageState = {
  call: null,
  media: null,
  identities: [],
  effects: new Effects(),
  preview: null,
  previewStream: null,
  previewOpening: false,
  statsTimer: null,
  rejoining: false,
};
