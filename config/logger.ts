/**
 * Structured logging with pino: JSON for collectors, pino-pretty on a terminal.
 * Child loggers carry context (`logger.child({ jobId })`) so one job can be followed from bot to worker.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  format?: 'pretty' | 'json';
  name?: string;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? (process.stdout.isTTY ? 'pretty' : 'json');
  return pino({
    name: options.name ?? 'kk',
    level: options.level ?? 'info',
    ...(format === 'pretty'
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l' } } }
      : {}),
  });
}

/** A logger that drops everything: the default for library code and tests. */
export const silentLogger: Logger = pino({ level: 'silent' });
