// What the extension's parts tell each other. The page script (MAIN world) and the bridge (the isolated content
// script) talk over a private MessageChannel; the bridge, the background and the popup over chrome.runtime.
import type { CameraSource } from '../../src/signaling/camera-source.ts';
import type { AgentState, Mode } from '../../src/signaling/protocol.ts';

/** The user's choices, kept in chrome.storage.local (the popup writes them; every page applies them live). */
export interface CameraSettings {
  /** The gazecam server, e.g. http://127.0.0.1:8080. */
  server: string;
  /** The identity avatar mode wears (from the owner's uploads); null: none picked. */
  identityId: string | null;
  avatar: boolean;
  eyes: boolean;
}

export const DEFAULT_SETTINGS: CameraSettings = {
  server: 'http://127.0.0.1:8080',
  identityId: null,
  avatar: true,
  eyes: false,
};

export const SETTINGS_KEYS = Object.keys(DEFAULT_SETTINGS) as Array<keyof CameraSettings>;
/** chrome.storage.local key of the identity owner token (the server page's own, adopted by the bridge). */
export const OWNER_KEY = 'owner';
/** The server page's localStorage key for the same token (client/src/core/identities.ts). */
export const PAGE_OWNER_KEY = 'gazecam.owner';

/** A page's gazecam camera, as the popup shows it. */
export interface CameraStatus {
  /** Connected to the server (both connections of the camera session open). */
  connected: boolean;
  /** The mode the user asked for. */
  wanted: Mode;
  /** What the page's track shows now. */
  source: CameraSource;
  /** The agent's last reported state (null: no agent). */
  agent: AgentState | null;
  /** Frames per second the page's track gets, and of them processed ones. */
  fps: number;
  processedFps: number;
  /** Why the track does not show what was asked (server unreachable, agent lost, ...), else null. */
  why: string | null;
  /** A small JPEG data URL of the track's latest frame. */
  preview: string | null;
}

/** Page script <-> bridge (MessageChannel). */
export type ToBridge =
  | { type: 'ticket'; id: number }
  | { type: 'status'; status: CameraStatus }
  | { type: 'ended' };
export type ToPage =
  | { type: 'settings'; settings: CameraSettings }
  | { type: 'ticket'; id: number; ticket?: string; error?: { code: string; message: string } };

/** Bridge / popup -> background (chrome.runtime.sendMessage). */
export type ToBackground =
  | { type: 'ticket' }
  | { type: 'status'; status: CameraStatus }
  | { type: 'ended' }
  | { type: 'owner'; owner: string }
  | { type: 'statuses' };

export type TicketAnswer = { ticket: string } | { error: { code: string; message: string } };
export type TabStatus = { tabId: number; title: string; status: CameraStatus; at: number };

/** The first message the bridge posts to the page: it carries the channel's port. */
export const PORT_MESSAGE = 'gazecam:port';
