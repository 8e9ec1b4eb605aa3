/**
 * Stripe's request encoding: `application/x-www-form-urlencoded` with bracket notation for nesting
 * (`metadata[plan]=pro`, `items[0][price]=price_…`, `expand[]=customer`), the same in GET query strings.
 * An empty value (`metadata=`, `pause_collection=`) means "unset". `Params` reads a parsed body with Stripe's
 * error answers (`parameter_missing`, `parameter_unknown`, `parameter_invalid_integer`, …), naming the full
 * bracketed parameter.
 */
import { invalidRequest, parameterMissing, parameterUnknown } from "./errors";

export type FormValue = string | FormObject | FormValue[];
export interface FormObject {
  [key: string]: FormValue | undefined;
}

const KEY = /^([^[\]]+)((?:\[[^[\]]*\])*)$/;

/** Parses a form body (or query string) into nested objects and arrays. */
export function parseForm(raw: string): FormObject {
  const arrays = new WeakSet<object>();
  const root: FormObject = {};
  for (const [name, value] of new URLSearchParams(raw)) {
    const match = KEY.exec(name);
    if (!match) throw invalidRequest(`Invalid parameter name: ${name}`);
    const segments = [match[1] ?? name, ...[...(match[2] ?? "").matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1] ?? "")];
    let container: FormObject = root;
    for (let i = 0; i < segments.length; i += 1) {
      let segment = segments[i] ?? "";
      if (segment === "" && arrays.has(container)) segment = String(Object.keys(container).length);
      const last = i === segments.length - 1;
      if (last) {
        container[segment] = value;
        break;
      }
      const next = segments[i + 1] ?? "";
      let child = container[segment];
      if (typeof child !== "object" || child === null || Array.isArray(child)) {
        child = {};
        if (next === "" || /^\d+$/.test(next)) arrays.add(child);
        container[segment] = child;
      }
      container = child as FormObject;
    }
  }
  const finish = (value: FormValue | undefined): FormValue | undefined => {
    if (typeof value !== "object" || value === null) return value;
    const object = value as FormObject;
    if (arrays.has(object))
      return Object.keys(object)
        .sort((a, b) => Number(a) - Number(b))
        .map((key) => finish(object[key]) as FormValue);
    for (const key of Object.keys(object)) object[key] = finish(object[key]);
    return object;
  };
  return finish(root) as FormObject;
}

const describe = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));

/** Reads one level of parameters, with Stripe's validation errors. */
export class Params {
  constructor(
    readonly raw: FormObject,
    readonly prefix = "",
  ) {}

  name(key: string): string {
    return this.prefix ? `${this.prefix}[${key}]` : key;
  }

  keys(): string[] {
    return Object.keys(this.raw).filter((key) => this.raw[key] !== undefined);
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined;
  }

  /** The parameter was sent as an empty string: Stripe's way to unset a field. */
  emptied(key: string): boolean {
    return this.raw[key] === "";
  }

  /**
   * Refuses parameters outside `supported`. One that Stripe's API has (`known`) but the stand-in does not imitate
   * gets a message saying so; anything else is Stripe's `Received unknown parameter`.
   */
  only(supported: readonly string[], known: readonly string[] = []): this {
    for (const key of this.keys())
      if (!supported.includes(key) && key !== "expand") throw parameterUnknown(this.name(key), known.includes(key));
    return this;
  }

  str(key: string): string | undefined {
    const value = this.raw[key];
    if (value === undefined) return undefined;
    if (typeof value !== "string") throw invalidRequest(`Invalid string: ${describe(value)}`, this.name(key));
    return value;
  }

  required(key: string): string {
    const value = this.str(key);
    if (value === undefined || value === "") throw parameterMissing(this.name(key));
    return value;
  }

  int(key: string): number | undefined {
    const value = this.str(key);
    if (value === undefined || value === "") return undefined;
    if (!/^-?\d+$/.test(value)) throw invalidRequest(`Invalid integer: ${value}`, this.name(key), "parameter_invalid_integer");
    return Number(value);
  }

  num(key: string): number | undefined {
    const value = this.str(key);
    if (value === undefined || value === "") return undefined;
    if (!/^-?\d+(\.\d+)?$/.test(value)) throw invalidRequest(`Invalid decimal: ${value}`, this.name(key));
    return Number(value);
  }

  bool(key: string): boolean | undefined {
    const value = this.str(key);
    if (value === undefined || value === "") return undefined;
    if (value !== "true" && value !== "false") throw invalidRequest(`Invalid boolean: ${value}`, this.name(key));
    return value === "true";
  }

  oneOf<T extends string>(key: string, values: readonly T[]): T | undefined {
    const value = this.str(key);
    if (value === undefined || value === "") return undefined;
    if (!values.includes(value as T)) {
      const list = values.length > 1 ? `${values.slice(0, -1).join(", ")}, or ${values.at(-1)}` : values.join("");
      throw invalidRequest(`Invalid ${this.name(key)}: must be one of ${list}`, this.name(key));
    }
    return value as T;
  }

  obj(key: string): Params | undefined {
    const value = this.raw[key];
    if (value === undefined || value === "") return undefined;
    if (typeof value !== "object" || Array.isArray(value)) throw invalidRequest("Invalid hash", this.name(key));
    return new Params(value, this.name(key));
  }

  list(key: string): Params[] {
    const value = this.raw[key];
    if (value === undefined || value === "") return [];
    if (!Array.isArray(value)) throw invalidRequest("Invalid array", this.name(key));
    return value.map((item, index) => {
      if (typeof item !== "object" || Array.isArray(item)) throw invalidRequest("Invalid hash", `${this.name(key)}[${index}]`);
      return new Params(item, `${this.name(key)}[${index}]`);
    });
  }

  strings(key: string): string[] {
    const value = this.raw[key];
    if (value === undefined || value === "") return [];
    const items = Array.isArray(value) ? value : [value];
    return items.map((item, index) => {
      if (typeof item !== "string") throw invalidRequest(`Invalid string: ${describe(item)}`, `${this.name(key)}[${index}]`);
      return item;
    });
  }

  /** `metadata[k]=v`; `metadata=` clears (null); `metadata[k]=` removes one key (its value is ""). */
  metadata(key = "metadata"): Record<string, string> | null | undefined {
    const value = this.raw[key];
    if (value === undefined) return undefined;
    if (value === "") return null;
    if (typeof value !== "object" || Array.isArray(value)) throw invalidRequest("Invalid hash", this.name(key));
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(value)) {
      if (typeof v !== "string") throw invalidRequest("Metadata values must be strings", `${this.name(key)}[${k}]`);
      if (k.length > 40) throw invalidRequest("Metadata keys can have a maximum length of 40 characters.", `${this.name(key)}[${k}]`);
      if (v.length > 500) throw invalidRequest("Metadata values can have a maximum length of 500 characters.", `${this.name(key)}[${k}]`);
      out[k] = v;
    }
    return out;
  }
}

/** Applies a metadata parameter to stored metadata the way Stripe does (merge; "" removes a key; null clears). */
export function mergeMetadata(current: Record<string, string>, update: Record<string, string> | null | undefined): Record<string, string> {
  if (update === undefined) return current;
  if (update === null) return {};
  const next = { ...current };
  for (const [key, value] of Object.entries(update)) {
    if (value === "") delete next[key];
    else next[key] = value;
  }
  if (Object.keys(next).length > 50) throw invalidRequest("Metadata can have a maximum of 50 keys.", "metadata");
  return next;
}

/** JSON with sorted keys: one fingerprint for the same parameters however they were ordered. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object")
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(",")}}`;
  return JSON.stringify(value) ?? "null";
}
