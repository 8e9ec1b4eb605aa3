/** Shopify global ids (gid://shopify/Type/123) ↔ the numeric ids we store (as strings: bigint-safe). */
export function numericId(gid: string | number): string {
  if (typeof gid === "number") return String(gid);
  const match = /(\d+)(?:\?.*)?$/.exec(gid);
  if (!match?.[1]) throw new Error(`not a Shopify id: ${gid}`);
  return match[1];
}

export function gid(type: string, id: string | number | bigint): string {
  return `gid://shopify/${type}/${id}`;
}
