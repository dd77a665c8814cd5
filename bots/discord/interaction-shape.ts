/**
 * The shape of an interaction, checked before the handler reads it. A signature proves Discord (or the
 * holder of the app's key) sent the body, not that it has the fields the handler dereferences: `null`
 * or `{"type":2}` used to crash the handler into a 500. Only the fields the bot reads are checked;
 * everything else passes through untouched (zod's loose objects), so new Discord fields never break it.
 */
import type { APIInteraction } from 'discord-api-types/v10';
import { z } from 'zod';

const snowflake = z.string().min(1);
const user = z.looseObject({ id: snowflake });
const attachment = z.looseObject({
  id: snowflake,
  url: z.string(),
  filename: z.string(),
  size: z.number(),
  content_type: z.string().optional(),
});
const option = z.looseObject({
  name: z.string(),
  type: z.number(),
  value: z.union([z.string(), z.number(), z.boolean()]).optional(),
});

/** Who and where: every interaction but PING carries these. */
const envelope = {
  id: snowflake,
  application_id: snowflake,
  token: z.string().min(1),
  member: z.looseObject({ user }).optional(),
  user: user.optional(),
  channel: z.looseObject({ id: snowflake }).optional(),
  channel_id: snowflake.optional(),
  guild_id: snowflake.optional(),
};

const command = z.looseObject({
  ...envelope,
  type: z.literal(2),
  data: z.union([
    // Slash command (chat input).
    z.looseObject({
      name: z.string(),
      type: z.literal(1),
      options: z.array(option).optional(),
      resolved: z.looseObject({ attachments: z.record(z.string(), attachment).optional() }).optional(),
    }),
    // Message command: the target message's attachments.
    z.looseObject({
      name: z.string(),
      type: z.literal(3),
      target_id: snowflake,
      resolved: z.looseObject({
        messages: z.record(z.string(), z.looseObject({ attachments: z.array(attachment) })),
      }),
    }),
    // Anything else (user commands): answered as unknown by name.
    z.looseObject({ name: z.string(), type: z.number().refine((type) => type !== 1 && type !== 3) }),
  ]),
});

const component = z.looseObject({
  ...envelope,
  type: z.literal(3),
  data: z.looseObject({ custom_id: z.string() }),
});

const textInput = z.looseObject({
  type: z.number(),
  custom_id: z.string().optional(),
  value: z.string().optional(),
});
const modalSubmit = z.looseObject({
  ...envelope,
  type: z.literal(5),
  data: z.looseObject({
    custom_id: z.string(),
    components: z.array(
      z.looseObject({
        type: z.number(),
        component: textInput.optional(),
        components: z.array(textInput).optional(),
      }),
    ),
  }),
});

const interactionSchema = z.union([
  z.looseObject({ type: z.literal(1) }),
  command,
  component,
  modalSubmit,
  // Other types (autocomplete) are answered as unsupported; they need only the envelope.
  z.looseObject({ ...envelope, type: z.number().refine((type) => ![1, 2, 3, 5].includes(type)) }),
]);

/** The interaction, or undefined when the body lacks what the handler reads. */
export function parseInteraction(json: unknown): APIInteraction | undefined {
  const parsed = interactionSchema.safeParse(json);
  // The checked fields match discord-api-types' definitions; the rest is Discord's, passed through.
  return parsed.success ? (parsed.data as unknown as APIInteraction) : undefined;
}
