/**
 * A/B tests of email template versions, behind a flag: FLUXOR_EMAIL_EXPERIMENTS lists the templates under
 * test ("out_of_stock,digest"); the others, and every template when the flag is empty, use version 1.
 * A recipient is assigned deterministically (a hash of shop, address and template), so the same person
 * always sees the same version and the analytics compare stable groups.
 */
import { createHash } from "node:crypto";
import { TEMPLATE_VERSIONS, type EmailTemplate } from "../email/model";

export function experimentsFromEnv(value: string | undefined = process.env.FLUXOR_EMAIL_EXPERIMENTS): ReadonlySet<string> {
  return new Set(
    (value ?? "")
      .split(",")
      .map((name) => name.trim())
      .filter((name) => name in TEMPLATE_VERSIONS),
  );
}

/** The version of `template` this recipient gets (1 unless the template is under test and has several). */
export function chooseVersion<K extends EmailTemplate>(
  template: K,
  recipient: string,
  shopId: string,
  experiments: ReadonlySet<string> = experimentsFromEnv(),
): (typeof TEMPLATE_VERSIONS)[K][number] {
  const versions = TEMPLATE_VERSIONS[template] as readonly number[];
  if (!experiments.has(template) || versions.length < 2) return versions[0] as (typeof TEMPLATE_VERSIONS)[K][number];
  const digest = createHash("sha256").update(`${shopId}|${recipient.toLowerCase()}|${template}`).digest();
  return versions[digest.readUInt32BE(0) % versions.length] as (typeof TEMPLATE_VERSIONS)[K][number];
}
