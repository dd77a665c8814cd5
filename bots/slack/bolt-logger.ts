/** Bolt's and the WebClient's logs through our pino logger, so they share its level and format. */
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../config/logger.ts';

export function boltLogger(logger: Logger): BoltLogger {
  let name = 'bolt';
  const log =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...msg: unknown[]) =>
      logger[level]({ component: name }, msg.map((m) => (typeof m === 'string' ? m : String(m))).join(' '));
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
