/**
 * The "Edit this image" message shortcut's modal: pure builders for the view and for reading its
 * submission back. The image is fixed by the message the shortcut was used on; the modal asks for the
 * instruction and the strength (same forms as the text grammar: `0.4`, `40%`, `sweep`, `sweep:8`).
 */
import type { types } from '@slack/bolt';
import { z } from 'zod';
import {
  DEFAULT_STRENGTH,
  INSTRUCTION_MAX_LENGTH,
  SLACK_EDIT_SHORTCUT_CALLBACK_ID,
  STRENGTH_MAX_LENGTH,
} from '../../commands/index.ts';

/** The shortcut's callback_id (declared in the app manifest, commands/definitions.ts) and the modal's. */
export const EDIT_SHORTCUT_CALLBACK_ID = SLACK_EDIT_SHORTCUT_CALLBACK_ID;
export const EDIT_MODAL_CALLBACK_ID = 'kk_edit_image_modal';
export const MODAL_BLOCKS = { instruction: 'kk_instruction', strength: 'kk_strength' } as const;
const INPUT_ACTION_ID = 'value';

/** What the modal carries from the shortcut to the submission (Slack's private_metadata, 3000 chars). */
export const editModalMetadataSchema = z.object({
  channelId: z.string().min(1),
  fileId: z.string().min(1),
  messageTs: z.string().min(1),
  threadTs: z.string().min(1).optional(),
});
export type EditModalMetadata = z.infer<typeof editModalMetadataSchema>;

export function buildEditModal(metadata: EditModalMetadata, fileName: string): types.ModalView {
  return {
    type: 'modal',
    callback_id: EDIT_MODAL_CALLBACK_ID,
    private_metadata: JSON.stringify(metadata),
    title: { type: 'plain_text', text: 'Edit this image' },
    submit: { type: 'plain_text', text: 'Edit' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'context',
        elements: [{ type: 'plain_text', text: `Image: ${fileName}`.slice(0, 2000) }],
      },
      {
        type: 'input',
        block_id: MODAL_BLOCKS.instruction,
        label: { type: 'plain_text', text: 'What should change?' },
        element: {
          type: 'plain_text_input',
          action_id: INPUT_ACTION_ID,
          max_length: INSTRUCTION_MAX_LENGTH,
          placeholder: { type: 'plain_text', text: 'make it snowy' },
        },
      },
      {
        type: 'input',
        block_id: MODAL_BLOCKS.strength,
        optional: true,
        label: { type: 'plain_text', text: 'Strength' },
        hint: {
          type: 'plain_text',
          text: `0 to 1 (or 40%), or sweep / sweep:N for an animation; default ${DEFAULT_STRENGTH}`,
        },
        element: {
          type: 'plain_text_input',
          action_id: INPUT_ACTION_ID,
          max_length: STRENGTH_MAX_LENGTH,
          placeholder: { type: 'plain_text', text: '0.5' },
        },
      },
    ],
  };
}

/** The submitted instruction and strength (strength null when left empty). */
export function readEditModal(values: Record<string, Record<string, { value?: string | null }>>): {
  instruction: string;
  strength: string | null;
} {
  return {
    instruction: values[MODAL_BLOCKS.instruction]?.[INPUT_ACTION_ID]?.value ?? '',
    strength: values[MODAL_BLOCKS.strength]?.[INPUT_ACTION_ID]?.value ?? null,
  };
}
