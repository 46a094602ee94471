// The contract between the agent's frame loop and whatever turns a camera frame into the processed frame, in
// two halves: `update(settings)` runs off the frame path whenever the settings change (slow work such as loading
// an identity belongs there), `process(frame)` runs per frame and never waits for that work. The agent runs the
// frame pipeline (pipeline-processor.ts) unless AGENT_PROCESSOR_MODULE names another module or `passthrough`.
import { pathToFileURL } from 'node:url';
import { setting } from '../../config.ts';
import type { AgentCost } from '../../signaling/agents.ts';
import type { AgentState, Mode } from '../../signaling/protocol.ts';
import { AppError } from '../../util/errors.ts';
import type { I420Frame, RgbaFrame } from '../../video/frame.ts';
import type { IdentityInput } from '../pipeline/identity.ts';

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
  /**
   * Prepares for new settings (e.g. loads the identity), off the frame path: the agent calls it before the first
   * frame and on every change, one call at a time, and hands the settings to `process` only once it resolved.
   * A processor that cannot apply them may throw; `process` then shows its fallback for them.
   */
  update(settings: AgentSettings): Promise<void> | void;
  /** Processes one camera frame with the settings of the latest update that resolved. */
  process(frame: I420Frame, settings: AgentSettings): Promise<ProcessResult>;
  close(): Promise<void> | void;
  /** Times a second or two of representative frames (null: nothing to measure with); leaves no state behind. */
  measure?(): Promise<AgentCost | null>;
}

/** What a processor needs from outside src/inference, given by the agent process's entry (src/cli/agent.ts). */
export interface ProcessorDeps {
  /** The photos of an identity, by id; throws (e.g. NOT_FOUND) when there is none. */
  loadIdentity(id: string): Promise<readonly IdentityInput[]>;
}

export type ProcessorFactory = (settings: AgentSettings, deps: ProcessorDeps) => Promise<FrameProcessor>;

/** Sends the camera frame unchanged: measures the plumbing alone (tests, the call bench). */
export class PassthroughProcessor implements FrameProcessor {
  readonly name = 'passthrough';
  update(): void {}
  async process(frame: I420Frame): Promise<ProcessResult> {
    return { frame, state: 'ok' };
  }
  close(): void {}
}

export const passthroughFactory: ProcessorFactory = async () => new PassthroughProcessor();

/** The AGENT_PROCESSOR_MODULE value that selects PassthroughProcessor. */
export const PASSTHROUGH = 'passthrough';
/** The default processor module: the frame pipeline. */
export const PIPELINE_PROCESSOR_MODULE = new URL('./pipeline-processor.ts', import.meta.url).pathname;

/** The module loadProcessorFactory would import for `modulePath` (undefined: the passthrough, built in). */
export function processorModulePath(modulePath = setting('AGENT_PROCESSOR_MODULE')): string | undefined {
  if (modulePath === PASSTHROUGH) return undefined;
  return modulePath || PIPELINE_PROCESSOR_MODULE;
}

/**
 * The processor factory for an agent process: `modulePath` (default: AGENT_PROCESSOR_MODULE) names a module
 * whose export `createFrameProcessor: ProcessorFactory` builds the processor; none: the frame pipeline;
 * `passthrough`: PassthroughProcessor.
 */
export async function loadProcessorFactory(
  modulePath = setting('AGENT_PROCESSOR_MODULE'),
): Promise<ProcessorFactory> {
  const path = processorModulePath(modulePath);
  if (!path) return passthroughFactory;
  const url = path.startsWith('file:') ? path : pathToFileURL(path).href;
  const mod = (await import(url)) as { createFrameProcessor?: ProcessorFactory };
  if (typeof mod.createFrameProcessor !== 'function') {
    throw new AppError('MODEL_MISSING', `${path} exports no createFrameProcessor`);
  }
  return mod.createFrameProcessor;
}
