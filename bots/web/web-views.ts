/**
 * What the page receives about an edit: pure builders from the queue's job data, result, progress and
 * failure to the JSON the API answers and the event stream sends. The page never sees blob ids or the
 * requester: files are URLs under the job, which only its own session may read.
 */
import { formatEditCommand, type EditRequest } from '../../commands/index.ts';
import type { EditJobData, EditJobResult } from '../../queue/edit-job.ts';
import { formatQueuePosition, type QueuePosition } from '../../queue/queue-position.ts';
import { EDIT_STAGE_LABELS, type EditProgress } from '../../pipeline/types.ts';
import { fieldOf, type WebField } from './web-request.ts';

export interface JobView {
  jobId: string;
  parentJobId?: string;
  /** The request as a chat user would type it, seed included: `/edit make it warmer strength:0.3 seed:7`. */
  command: string;
  request: EditJobData['request'];
  position: QueuePosition;
  /** "#2 in queue", "running", ... */
  statusText: string;
}

export interface FileView {
  name: string;
  mime: string;
  bytes: number;
  url: string;
  downloadUrl: string;
}

export interface ResultView {
  jobId: string;
  command: string;
  kind: 'single' | 'sweep';
  width: number;
  height: number;
  strengths: number[];
  seed: number;
  steps: number;
  modelId: string;
  /** Milliseconds per stage the worker ran, plus "total"; a stage it skipped is absent. */
  timings: Record<string, number>;
  /** Answered from the result cache: the model did not run. */
  cached: boolean;
  /** Encoding stages a model run skipped because their output was cached (a re-edit's). */
  reusedStages: string[];
  note?: string;
  files: FileView[];
}

export interface ProgressView {
  jobId: string;
  stage: EditProgress['stage'];
  step: number;
  total: number;
  /** "editing 3/20", "encoding the image" */
  label: string;
}

export interface PositionView {
  jobId: string;
  position: QueuePosition;
  statusText: string;
}

export interface FailureView {
  jobId: string;
  code: string;
  userMessage: string;
  hint?: string;
  field: WebField;
}

/** Stages a cached encoding replaces; absent from a run's timings when the cache answered. */
const ENCODING_STAGES = ['encode-text', 'preprocess', 'encode-image'] as const;

export function commandOf(request: EditJobData['request'] | EditRequest): string {
  return `/edit ${formatEditCommand(request)}`;
}

export function jobView(
  jobId: string,
  job: Pick<EditJobData, 'request' | 'parentEditId'>,
  position: QueuePosition,
): JobView {
  return {
    jobId,
    ...(job.parentEditId === undefined ? {} : { parentJobId: job.parentEditId }),
    command: commandOf(job.request),
    request: job.request,
    position,
    statusText: formatQueuePosition(position),
  };
}

export function fileUrl(jobId: string, index: number, download = false): string {
  return `/api/edits/${encodeURIComponent(jobId)}/files/${index}${download ? '?download=1' : ''}`;
}

export function resultView(
  jobId: string,
  job: Pick<EditJobData, 'request'>,
  result: EditJobResult,
): ResultView {
  return {
    jobId,
    command: commandOf({ ...job.request, seed: result.seed }),
    kind: result.kind,
    width: result.width,
    height: result.height,
    strengths: result.strengths,
    seed: result.seed,
    steps: result.steps,
    modelId: result.modelId,
    timings: result.timings,
    cached: result.cached,
    reusedStages: result.cached ? [] : ENCODING_STAGES.filter((stage) => result.timings[stage] === undefined),
    ...(result.note ? { note: result.note } : {}),
    files: result.files.map((file, index) => ({
      name: file.name,
      mime: file.mime,
      bytes: file.bytes,
      url: fileUrl(jobId, index),
      downloadUrl: fileUrl(jobId, index, true),
    })),
  };
}

export function progressView(jobId: string, progress: EditProgress): ProgressView {
  const label =
    progress.total > 1
      ? `${EDIT_STAGE_LABELS[progress.stage]} ${progress.step}/${progress.total}`
      : EDIT_STAGE_LABELS[progress.stage];
  return { jobId, stage: progress.stage, step: progress.step, total: progress.total, label };
}

export function positionView(jobId: string, position: QueuePosition): PositionView {
  return { jobId, position, statusText: formatQueuePosition(position) };
}

export function failureView(failure: {
  jobId: string;
  code: string;
  userMessage: string;
  hint?: string | undefined;
}): FailureView {
  return {
    jobId: failure.jobId,
    code: failure.code,
    userMessage: failure.userMessage,
    ...(failure.hint === undefined ? {} : { hint: failure.hint }),
    field: fieldOf(failure.code),
  };
}
