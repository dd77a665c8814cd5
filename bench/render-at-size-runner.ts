/**
 * A benchmark runner whose sweep frames are rendered at `renderSide` x `renderSide`, the size the real
 * model (FLUX.1 Kontext, ~1024x1024 working size) produces. kk-tiny at that working size would spend
 * minutes per sweep in its transformer on a 2-core CPU, so the model stage runs as shipped (kk-tiny at
 * its 256x256 working size, `EditPipeline.generate`), the frames are upscaled (nearest neighbour, in JS:
 * about the cost of converting a 1024x1024 decoder output) and the project's `renderSweep` encodes the
 * GIF and contact sheet at full size - the rendering work a 1024x1024 model gives the worker.
 * Used in-process and, through its runner spec, inside a `PipelineHost` child.
 */
import { createEditPipeline, type CreateEditPipelineOptions } from '../pipeline/create-edit-pipeline.ts';
import type { RgbFrame } from '../pipeline/image/rgb-frame.ts';
import { renderSweep } from '../pipeline/render-files.ts';
import type { EditResult, EditRunner } from '../pipeline/types.ts';

export async function createRenderAtSizeRunner(
  options: CreateEditPipelineOptions & { renderSide: number },
): Promise<EditRunner> {
  const { renderSide, ...pipelineOptions } = options;
  const pipeline = await createEditPipeline(pipelineOptions);
  return {
    modelId: pipeline.modelId,
    async run(input): Promise<EditResult> {
      if (input.strengths.length < 2) return pipeline.run(input);
      const generation = await pipeline.generate(input);
      const { clock } = generation;
      const files = await clock.time('render', () => {
        const frames = generation.frames.map((frame) => upscale(frame, renderSide));
        return renderSweep(frames, generation.strengths, { maxBytes: input.maxBytes ?? 8 * 2 ** 20 });
      });
      return {
        kind: 'sweep',
        files,
        width: renderSide,
        height: renderSide,
        strengths: generation.strengths,
        seed: generation.seed,
        steps: generation.steps,
        modelId: pipeline.modelId,
        timings: clock.finish(),
      };
    },
    dispose: () => pipeline.dispose(),
  };
}

function upscale(frame: RgbFrame, side: number): RgbFrame {
  const data = new Uint8Array(side * side * 3);
  for (let y = 0; y < side; y++) {
    const sy = Math.floor((y * frame.height) / side);
    for (let x = 0; x < side; x++) {
      const from = (sy * frame.width + Math.floor((x * frame.width) / side)) * 3;
      const to = (y * side + x) * 3;
      data[to] = frame.data[from]!;
      data[to + 1] = frame.data[from + 1]!;
      data[to + 2] = frame.data[from + 2]!;
    }
  }
  return { data, width: side, height: side };
}
