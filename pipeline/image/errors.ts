import { UserFacingError } from '../../commands/errors.ts';

/**
 * Why a source image was refused. Animated or multi-page inputs are NOT a reason: the first frame
 * is used (see `PreparedSource.pages`).
 */
export type InputImageProblem =
  'undecodable' | 'unsupported_format' | 'too_large' | 'too_small' | 'bad_aspect';

/** A source image the pipeline cannot use; permanent (retrying the same bytes fails the same way). */
export class InputImageError extends UserFacingError {
  readonly problem: InputImageProblem;

  private constructor(
    problem: InputImageProblem,
    userMessage: string,
    options: { hint?: string; cause?: unknown },
  ) {
    super('input_image', userMessage, options);
    this.problem = problem;
  }

  /** Not an image sharp can decode (corrupt, truncated, or an unsupported format). */
  static undecodable(cause?: unknown): InputImageError {
    return new InputImageError('undecodable', "I couldn't read that file as an image.", {
      hint: 'Attach a PNG, JPEG, WebP or GIF image.',
      cause,
    });
  }

  /** A real image, but not one of the formats the bot reads (told apart by content, not by name or type). */
  static unsupportedFormat(format: string): InputImageError {
    return new InputImageError('unsupported_format', `I don't read ${format.toUpperCase()} files.`, {
      hint: 'Attach a PNG, JPEG, WebP or GIF image.',
    });
  }

  static tooLarge(width: number, height: number, maxPixels: number): InputImageError {
    const megapixels = (maxPixels / 1e6).toFixed(1).replace(/\.0$/, '');
    return new InputImageError('too_large', `That image is too large (${width}x${height} pixels).`, {
      hint: `Attach an image of at most ${megapixels} megapixels.`,
    });
  }

  static tooSmall(width: number, height: number, minSide: number): InputImageError {
    return new InputImageError('too_small', `That image is too small (${width}x${height} pixels).`, {
      hint: `Attach an image at least ${minSide} pixels on each side.`,
    });
  }

  /** Longer than `maxAspect`:1 either way: the working size would leave the target area far behind. */
  static badAspect(width: number, height: number, maxAspect: number): InputImageError {
    return new InputImageError('bad_aspect', `That image is too long and thin (${width}x${height} pixels).`, {
      hint: `Crop it to at most ${maxAspect}:1 and try again.`,
    });
  }
}
