/**
 * The stand-in Discord REST API of bench/serve-latency.ts, in its own process: real Discord is another
 * machine, and the stand-in's parsing of multi-megabyte result uploads would otherwise run on the event
 * loop being measured. Answers the bench over IPC: where it listens, and whether an interaction's result
 * (or a failure) has arrived.
 */
import { startStandInDiscord } from '../test/bots/discord/stand-in-discord.ts';

type Request = { type: 'start'; photo: Uint8Array } | { type: 'result'; token: string } | { type: 'stop' };

async function main(): Promise<void> {
  const standIn = await startStandInDiscord();
  process.on('message', (message: Request) => {
    if (message.type === 'start') {
      const attachment = standIn.addAttachment('photo.jpg', message.photo, 'image/jpeg');
      process.send?.({ apiUrl: standIn.apiUrl, botToken: standIn.botToken, attachment });
    } else if (message.type === 'result') {
      const edits = standIn.calls.filter((c) => c.method === 'PATCH' && c.route.includes(message.token));
      const done = edits.some((c) => c.status === 200 && c.files.length > 0);
      const last = edits.at(-1)?.json?.content;
      process.send?.({ done, last: typeof last === 'string' ? last : '' });
    } else {
      void standIn.close().then(() => process.exit(0));
    }
  });
  process.send?.({ ready: true });
}

void main();
