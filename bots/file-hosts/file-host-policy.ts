/**
 * Where each platform's files may be downloaded from. The production lists are constants, not
 * settings: there is deliberately no environment variable that widens them, so a deployment cannot
 * loosen them by accident. Tests that serve files from a local stand-in pass their own policy in code
 * (the bots' `fileHosts` option), which no entry point under bin/ does.
 */
export interface FileHostPolicy {
  /** Host names (lower case, exact match; no wildcards). */
  readonly hosts: readonly string[];
  /** @defaultValue ['https:'] in the production policies */
  readonly protocols: readonly ('https:' | 'http:')[];
}

/** Discord's CDN and its media proxy: where attachment `url`s and `proxy_url`s point. */
export const DISCORD_FILE_HOSTS: FileHostPolicy = Object.freeze({
  hosts: Object.freeze(['cdn.discordapp.com', 'media.discordapp.net']),
  protocols: Object.freeze(['https:'] as const),
});

/** Slack's private file host: `url_private` and `url_private_download` (files.slack.com/files-pri/…). */
export const SLACK_FILE_HOSTS: FileHostPolicy = Object.freeze({
  hosts: Object.freeze(['files.slack.com']),
  protocols: Object.freeze(['https:'] as const),
});

/** A local stand-in at `baseUrl` (http, its host only): for test harnesses. */
export function standInFileHosts(baseUrl: string): FileHostPolicy {
  const url = new URL(baseUrl);
  return { hosts: [url.hostname], protocols: [url.protocol === 'https:' ? 'https:' : 'http:'] };
}

/** True when `url` parses and names one of the policy's protocols and hosts, with no credentials. */
export function isAllowedUrl(url: string, policy: FileHostPolicy): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.username !== '' || parsed.password !== '') return false;
  return (
    (policy.protocols as readonly string[]).includes(parsed.protocol) &&
    policy.hosts.includes(parsed.hostname.toLowerCase())
  );
}
