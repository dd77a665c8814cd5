/**
 * A real Chromium for the playground's end-to-end tests: Debian's `chromium` package driven by
 * playwright-core (the protocol client alone; Playwright's own browser downloads are never used).
 * `.ci/run` installs the package when it is missing. Elsewhere, a machine without Chromium skips these tests
 * with the reason, except under CI=true, where a missing browser fails them.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

/** Where the runs' screenshots go, for a person to look at (out/ is not tracked). */
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../../out/playground-e2e/', import.meta.url));

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The browser to drive: KK_TEST_CHROMIUM when set, else the first of the usual install paths. */
export function findChromium(): string | undefined {
  const configured = process.env.KK_TEST_CHROMIUM;
  if (configured) return configured;
  return CANDIDATES.find((path) => existsSync(path));
}

/** Why the browser tests cannot run here, or undefined when they can (CI never skips: it throws). */
export function chromiumSkipReason(): string | undefined {
  if (findChromium()) return undefined;
  if (process.env.CI) throw new Error('Chromium is missing: .ci/run installs it (apt-get install chromium)');
  return 'no Chromium here: apt-get install chromium, or set KK_TEST_CHROMIUM to a Chromium binary';
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error('no Chromium found');
  return chromium.launch({
    executablePath,
    // Root in a container (CI) cannot use Chromium's sandbox; the page it loads is our own, on loopback.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return join(SCREENSHOT_DIR, name);
}
