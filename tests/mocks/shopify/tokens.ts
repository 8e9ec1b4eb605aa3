/** Access tokens, refresh tokens and one-time authorization codes, per shop (revoked on uninstall). */
import { randomToken } from "./crypto";

export interface AccessGrant {
  shop: string;
  scopes: string[];
  online: boolean;
  userId?: number;
  /** Epoch ms; undefined = never expires (classic offline token). */
  expiresAt?: number;
}

interface PendingCode {
  shop: string;
  scopes: string[];
  online: boolean;
  redirectUri: string;
  expiresAt: number;
}

export const ONLINE_TOKEN_TTL_S = 86_399;
export const EXPIRING_OFFLINE_TTL_S = 3_600;
export const REFRESH_TOKEN_TTL_S = 7_776_000;

export class TokenRegistry {
  private readonly grants = new Map<string, AccessGrant>();
  private readonly refresh = new Map<string, { shop: string; scopes: string[]; expiresAt: number }>();
  private readonly codes = new Map<string, PendingCode>();

  issueCode(code: Omit<PendingCode, "expiresAt">): string {
    const value = randomToken("", 16);
    this.codes.set(value, { ...code, expiresAt: Date.now() + 60_000 });
    return value;
  }

  /** One-time: a code works once, for its shop, within a minute. */
  consumeCode(value: string, shop: string): PendingCode | undefined {
    const code = this.codes.get(value);
    this.codes.delete(value);
    if (!code || code.shop !== shop || code.expiresAt < Date.now()) return undefined;
    return code;
  }

  issue(grant: AccessGrant): string {
    const token = randomToken(grant.online ? "shpua_" : "shpat_");
    this.grants.set(token, grant);
    return token;
  }

  issueRefresh(shop: string, scopes: string[]): string {
    const token = randomToken("shprt_");
    this.refresh.set(token, { shop, scopes, expiresAt: Date.now() + REFRESH_TOKEN_TTL_S * 1000 });
    return token;
  }

  /** Refresh tokens rotate: the old one stops working. */
  consumeRefresh(token: string, shop: string): { shop: string; scopes: string[] } | undefined {
    const entry = this.refresh.get(token);
    this.refresh.delete(token);
    if (!entry || entry.shop !== shop || entry.expiresAt < Date.now()) return undefined;
    return entry;
  }

  lookup(token: string): AccessGrant | undefined {
    const grant = this.grants.get(token);
    if (!grant) return undefined;
    if (grant.expiresAt !== undefined && grant.expiresAt < Date.now()) {
      this.grants.delete(token);
      return undefined;
    }
    return grant;
  }

  revokeShop(shop: string): number {
    let revoked = 0;
    for (const [token, grant] of this.grants) if (grant.shop === shop && this.grants.delete(token)) revoked++;
    for (const [token, entry] of this.refresh) if (entry.shop === shop) this.refresh.delete(token);
    for (const [code, pending] of this.codes) if (pending.shop === shop) this.codes.delete(code);
    return revoked;
  }

  tokensFor(shop: string): string[] {
    return [...this.grants].filter(([, grant]) => grant.shop === shop).map(([token]) => token);
  }
}
