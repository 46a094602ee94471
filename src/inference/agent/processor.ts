// The contract between the agent's frame loop and whatever turns a camera frame into the processed frame.
// The agent runs a PassthroughProcessor until the real pipeline (tracker + generator) exists; the pipeline
// plugs in as a module exporting `createFrameProcessor` (see loadProcessorFactory).
import { pathToFileURL } from 'node:url';
import type { AgentState, Mode } from '../../signaling/protocol.ts';
import { AppError } from '../../util/errors.ts';
import type { I420Frame, RgbaFrame } from '../frame.ts';

export interface AgentSettings {
  mode: Mode;
  /** Identity photo set for avatar mode; null when none is chosen. */
  identityId: string | null;
  /** The user wants the debug sketch: the processor adds one to some results (a few per second). */
  debugSketch?: boolean;
}

/** States a processor reports per frame; 'busy' and 'error' are the frame loop's own. */
export type ProcessorState = Extract<
  AgentState,
  'ok' | 'no-face' | 'fallback-still' | 'fallback-passthrough'
>;

export interface ProcessResult {
  /** The frame to publish: never empty; on trouble the processor returns its fallback (still or the input). */
  frame: I420Frame;
  state: ProcessorState;
  message?: string;
  /** Debug sketch of this frame (only while settings.debugSketch; the buffer may be reused next call). */
  sketch?: RgbaFrame;
}

export interface FrameProcessor {
  readonly name: string;
  /** Processes one camera frame with the current settings (which may change between calls). */
  process(frame: I420Frame, settings: AgentSettings): Promise<ProcessResult>;
  close(): Promise<void> | void;
}

export type ProcessorFactory = (settings: AgentSettings) => Promise<FrameProcessor>;

/** Sends the camera frame unchanged: the plumbing works (and is measured) before the generator exists. */
export class PassthroughProcessor implements FrameProcessor {
  readonly name = 'passthrough';
  async process(frame: I420Frame): Promise<ProcessResult> {
    return { frame, state: 'ok' };
  }
  close(): void {}
}

export const passthroughFactory: ProcessorFactory = async () => new PassthroughProcessor();

/**
 * The processor factory for an agent process: `modulePath` (or env AGENT_PROCESSOR_MODULE) names a module whose
 * export `createFrameProcessor: ProcessorFactory` builds the processor; without one, passthrough.
 */
export async function loadProcessorFactory(
  modulePath = process.env.AGENT_PROCESSOR_MODULE,
): Promise<ProcessorFactory> {
  if (!modulePath) return passthroughFactory;
  const url = modulePath.startsWith('file:') ? modulePath : pathToFileURL(modulePath).href;
  const mod = (await import(url)) as { createFrameProcessor?: ProcessorFactory };
  if (typeof mod.createFrameProcessor !== 'function') {
    throw new AppError('MODEL_MISSING', `${modulePath} exports no createFrameProcessor`);
  }
  return mod.createFrameProcessor;
}
