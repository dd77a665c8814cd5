/**
 * Interaction tokens Discord has refused. Once a token's webhook answers 401 (Invalid Webhook Token:
 * expired after 15 minutes, or invalidated) or 404 (Unknown Webhook), every later request with it fails
 * too, and each 401 counts toward Discord's invalid-request limit (10,000 per 10 minutes per IP, then a
 * temporary ban). A long sweep would otherwise spend one per progress edit. Entries are dropped after
 * the longest a token can live, so the set stays bounded.
 */
const TOKEN_LIFETIME_MS = 15 * 60_000;

export class DeadTokens {
  /** Token -> when it was found dead. */
  private readonly dead = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  add(token: string): void {
    this.prune();
    this.dead.set(token, this.now());
  }

  has(token: string): boolean {
    const at = this.dead.get(token);
    return at !== undefined && this.now() - at <= TOKEN_LIFETIME_MS;
  }

  private prune(): void {
    const now = this.now();
    // Map iteration is insertion order: the oldest entries come first.
    for (const [token, at] of this.dead) {
      if (now - at <= TOKEN_LIFETIME_MS) break;
      this.dead.delete(token);
    }
  }
}
