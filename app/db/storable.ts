/**
 * What PostgreSQL can store. Its text and jsonb cannot hold U+0000, and jsonb refuses a lone UTF-16 surrogate
 * (JSON.stringify writes one as `\udXXX`, which jsonb rejects as an invalid escape). Either fails the statement, so a
 * caller's value holding one is refused at the boundary (400) rather than failing there (500): issue 16.
 */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, "g");

/** True when `value` can be stored in a text or jsonb column as it is. */
export function storableText(value: string): boolean {
  return !value.includes("\u0000") && !LONE_SURROGATE.test(value);
}

/** `value` with every lone surrogate replaced by U+FFFD, as a UTF-8 encoder would: for text kept rather than refused. */
export function withoutLoneSurrogates(value: string): string {
  return value.replace(LONE_SURROGATES, "\uFFFD");
}

/**
 * True when every string and key of a parsed JSON value is storable. Walks with a stack rather than recursion, so
 * a deeply nested body (which JSON.parse accepts) cannot overflow the call stack.
 */
export function storableJson(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === "string") {
      if (!storableText(item)) return false;
    } else if (Array.isArray(item)) {
      stack.push(...item);
    } else if (item !== null && typeof item === "object") {
      for (const [key, child] of Object.entries(item)) {
        if (!storableText(key)) return false;
        stack.push(child);
      }
    }
  }
  return true;
}
