/**
 * Sending domains as Resend's domains API shows them (`GET /domains`, `GET /domains/:id`): each with the DNS records
 * Resend asks for, SPF (an MX and a TXT record on the `send` subdomain) and DKIM (a TXT record at
 * `resend._domainkey`), each with its own status. Resend's API reports no DMARC record (its dashboard only
 * recommends one), so neither does the stand-in. Only a `verified` domain may appear in `from`.
 */
import { createHash } from "node:crypto";
import type { Domain, DomainRecordStatus, DomainRecords, DomainRegion, DomainStatus, GetDomainResponseSuccess } from "resend";

export type RecordKind = "SPF" | "DKIM";

export interface DomainSeed {
  name: string;
  /** Shorthand for every record's status; default "verified". */
  status?: "verified" | "pending" | "failed" | "not_started";
  /** Per-record statuses over the shorthand, e.g. `{ DKIM: "failed" }`. The domain's status follows from them. */
  records?: Partial<Record<RecordKind, DomainRecordStatus>>;
  region?: DomainRegion;
}

interface DomainEntry {
  id: string;
  name: string;
  region: DomainRegion;
  created_at: string;
  records: Record<RecordKind, DomainRecordStatus>;
}

/** A stable UUID-shaped id per name, so a configuration can name the domain before the stand-in runs. */
export function domainId(name: string): string {
  const hex = createHash("sha256").update(`resend-domain:${name}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Resend's rule of thumb: all verified → verified; some verified and some failed → partially_failed; and so on. */
function domainStatus(statuses: DomainRecordStatus[]): DomainStatus {
  const all = (status: DomainRecordStatus) => statuses.every((entry) => entry === status);
  const some = (status: DomainRecordStatus) => statuses.some((entry) => entry === status);
  if (all("verified")) return "verified";
  if (all("failed")) return "failed";
  if (all("not_started")) return "not_started";
  if (some("failed") || some("temporary_failure")) return some("verified") ? "partially_failed" : "failed";
  return some("verified") ? "partially_verified" : "pending";
}

export class DomainBook {
  private readonly entries = new Map<string, DomainEntry>();

  constructor(
    seeds: DomainSeed[],
    private readonly now: () => number,
  ) {
    for (const seed of seeds) this.set(seed);
  }

  /** Adds the domain or changes its records' statuses. */
  set(seed: DomainSeed): GetDomainResponseSuccess {
    const name = seed.name.toLowerCase();
    const shorthand = seed.status ?? "verified";
    const existing = this.entries.get(name);
    const entry: DomainEntry = {
      id: existing?.id ?? domainId(name),
      name,
      region: seed.region ?? existing?.region ?? "us-east-1",
      created_at: existing?.created_at ?? new Date(this.now()).toISOString(),
      records: { SPF: seed.records?.SPF ?? shorthand, DKIM: seed.records?.DKIM ?? shorthand },
    };
    this.entries.set(name, entry);
    return this.view(entry);
  }

  list(): Domain[] {
    return [...this.entries.values()].map((entry) => {
      const { records: _records, object: _object, ...summary } = this.view(entry);
      return summary;
    });
  }

  get(id: string): GetDomainResponseSuccess | undefined {
    const entry = [...this.entries.values()].find((candidate) => candidate.id === id);
    return entry && this.view(entry);
  }

  /** Whether mail `from` this domain is accepted (Resend: 403 "The … domain is not verified"). */
  canSendFrom(name: string): boolean {
    const entry = this.entries.get(name.toLowerCase());
    return entry !== undefined && domainStatus(Object.values(entry.records)) === "verified";
  }

  private view(entry: DomainEntry): GetDomainResponseSuccess {
    const key = createHash("sha256").update(`dkim:${entry.name}`).digest("base64");
    const records: DomainRecords[] = [
      {
        record: "SPF",
        name: "send",
        type: "MX",
        ttl: "Auto",
        status: entry.records.SPF,
        value: `feedback-smtp.${entry.region}.amazonses.com`,
        priority: 10,
      },
      { record: "SPF", name: "send", type: "TXT", ttl: "Auto", status: entry.records.SPF, value: '"v=spf1 include:amazonses.com ~all"' },
      {
        record: "DKIM",
        name: "resend._domainkey",
        type: "TXT",
        ttl: "Auto",
        status: entry.records.DKIM,
        value: `p=MIGfMA0GCSqGSIb3DQEB${key}`,
      },
    ];
    return {
      object: "domain",
      id: entry.id,
      name: entry.name,
      status: domainStatus(Object.values(entry.records)),
      created_at: entry.created_at,
      region: entry.region,
      capabilities: { sending: "enabled", receiving: "disabled" },
      open_tracking: false,
      click_tracking: false,
      records,
    };
  }
}
