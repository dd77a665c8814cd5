/**
 * Bolt's and the WebClient's logs through our pino logger, so they share its level and format. Their
 * own name ("bolt-app", "web-api:WebClient") goes under `sdk`: the logger handed in is usually
 * `component: 'slack'` already, and pino writes a repeated key twice (`"component":"slack",
 * "component":"bolt"`), which many log collectors reject or resolve arbitrarily.
 */
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../config/logger.ts';

export function boltLogger(logger: Logger): BoltLogger {
  let name = 'bolt';
  const log =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...msg: unknown[]) =>
      logger[level]({ sdk: name }, msg.map((m) => (typeof m === 'string' ? m : String(m))).join(' '));
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    // The level is pino's (LOG_LEVEL); Bolt's own setting is ignored.
    setLevel: () => undefined,
    getLevel: () => (logger.isLevelEnabled('debug') ? LogLevel.DEBUG : LogLevel.INFO),
    setName: (next: string) => {
      name = next;
    },
  };
}
