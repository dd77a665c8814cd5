/**
 * Structured logging with pino: JSON for collectors, pino-pretty on a terminal.
 * Child loggers carry context (`logger.child({ jobId })`) so one job can be followed from bot to worker.
 * Logs go to stderr, so stdout carries only results (the `npm start` demo's summary, the CLI's files)
 * and stands out on a terminal; log collectors read both streams.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /** @defaultValue 'info' */
  level?: string | undefined;
  format?: 'pretty' | 'json';
  name?: string;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? (process.stderr.isTTY ? 'pretty' : 'json');
  const base = { name: options.name ?? 'kk', level: options.level ?? 'info' };
  if (format === 'json') return pino(base, pino.destination({ dest: 2, sync: true }));
  return pino({
    ...base,
    transport: {
      target: 'pino-pretty',
      options: { colorize: Boolean(process.stderr.isTTY), translateTime: 'HH:MM:ss.l', destination: 2 },
    },
  });
}

/** A logger that drops everything: the default for library code and tests. */
export const silentLogger: Logger = pino({ level: 'silent' });
