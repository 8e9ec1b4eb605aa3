/**
 * One notification per episode. An episode is one trouble of one family for one variant at one location of one
 * shop (`episodeKey`): "stock" covers low stock → reorder point → stockout predicted → out of stock. Given the
 * stored episodes and the complete findings of one evaluation day, `transitions` says what changes and what to
 * notify. Pure: the caller stores each transition's `episode` and sends the notifications.
 *
 * The rule, per episode key, for the evaluation of day D:
 * - no episode, finding → `open`: notify.
 * - open, finding, severity above the highest severity notified in this episode → `escalate`: notify again.
 * - open, finding, not above it → `unchanged`: no email (a dip and a return to an already-notified level stays quiet).
 * - open, no finding in D's evaluation (the condition was absent for the whole run) → `resolve`: closed, no email.
 * - resolved on day R, finding again on D ≥ R + 2 (it stayed resolved through at least one more run) → `reopen`:
 *   notify, a new occurrence with its own severities.
 * - resolved on day R, finding again on D ≤ R + 1 → a flap: the episode resumes as it was (same opening day, same
 *   notified high-water mark) as `unchanged`, or `escalate` when it now goes above what was notified.
 * - resolved, no finding → nothing.
 *
 * Idempotent: the decisions depend on stored state and days only (no counters), so evaluating the same day again
 * with the same findings, once the first result is stored, yields only `unchanged` transitions with
 * `changed: false`. A notification's `notificationKey` (episode, day, severity) is the same when a crashed job
 * computes it again, so the sender can deduplicate it. Evaluations must be applied in day order (`today` is the
 * evaluation's day, normally the forecast run's asOf): a day before an episode's opening or resolution is refused.
 *
 * Pass the shop's open episodes and those resolved since the day before D (the flap guard reads them); older
 * resolved ones may be pruned, which only labels their return `open` instead of `reopen`.
 */
import { addDays } from "../forecasting";
import type { Day } from "../forecasts/contract";
import type { AlertFinding, AlertType, EpisodeKeyParts } from "./model";

export interface Episode extends EpisodeKeyParts {
  /** `episodeKey` of the parts. */
  key: string;
  state: "open" | "resolved";
  /** Type and severity of the latest finding. */
  type: AlertType;
  severity: number;
  /** The highest severity notified since the episode (re)opened. */
  notifiedSeverity: number;
  /** The day of the notification that opened or reopened it. */
  openedOn: Day;
  /** The first day without a finding (state "resolved"); null while open. */
  resolvedOn: Day | null;
}

export const TRANSITION_KINDS = ["open", "escalate", "unchanged", "resolve", "reopen"] as const;
export type TransitionKind = (typeof TRANSITION_KINDS)[number];

export interface Transition {
  kind: TransitionKind;
  key: string;
  notify: boolean;
  /** Idempotency key of the notification (episode, day, severity); null when there is nothing to send. */
  notificationKey: string | null;
  /** The finding of day D (null for `resolve`). */
  finding: AlertFinding | null;
  /** The episode as it is to be stored. */
  episode: Episode;
  /** Whether `episode` differs from the stored one (false: nothing to write). */
  changed: boolean;
}

function sameEpisode(a: Episode, b: Episode): boolean {
  return (
    a.state === b.state &&
    a.type === b.type &&
    a.severity === b.severity &&
    a.notifiedSeverity === b.notifiedSeverity &&
    a.openedOn === b.openedOn &&
    a.resolvedOn === b.resolvedOn
  );
}

/** A stored episode, every field spelled out (no spread): one object shape for the tens of thousands of a night. */
function episode(
  of: Pick<Episode, "key" | "shopId" | "family" | "variantId" | "locationId">,
  state: Episode["state"],
  type: AlertType,
  severity: number,
  notifiedSeverity: number,
  openedOn: Day,
  resolvedOn: Day | null,
): Episode {
  return {
    key: of.key,
    shopId: of.shopId,
    family: of.family,
    variantId: of.variantId,
    locationId: of.locationId,
    state,
    type,
    severity,
    notifiedSeverity,
    openedOn,
    resolvedOn,
  };
}

/** The transitions of one shop's episodes for the evaluation of `today`: findings' episodes in findings order, then resolutions. */
export function transitions(episodes: readonly Episode[], findings: readonly AlertFinding[], today: Day): Transition[] {
  const stored = new Map<string, Episode>();
  for (const e of episodes) {
    if (stored.has(e.key)) throw new Error(`transitions: episode ${e.key} given twice`);
    const changedOn = e.resolvedOn ?? e.openedOn;
    if (changedOn > today)
      throw new RangeError(`transitions: evaluation of ${today} is older than episode ${e.key} (changed ${changedOn})`);
    stored.set(e.key, e);
  }
  // One finding per key (evaluate gives one; keep the most severe if a caller merged several).
  const current = new Map<string, AlertFinding>();
  for (const f of findings) {
    const seen = current.get(f.key);
    if (seen === undefined || f.severity > seen.severity) current.set(f.key, f);
  }
  const flapUntil = addDays(today, -1);

  const out: Transition[] = [];
  const push = (kind: TransitionKind, finding: AlertFinding | null, next: Episode, prev: Episode | undefined): void => {
    const notify = kind === "open" || kind === "escalate" || kind === "reopen";
    const changed = prev === undefined || !sameEpisode(prev, next);
    const notificationKey = notify ? `${next.key}|${today}|${next.severity}` : null;
    out.push({ kind, key: next.key, notify, notificationKey, finding, episode: changed || prev === undefined ? next : prev, changed });
  };

  for (const [key, f] of current) {
    const prev = stored.get(key);
    if (prev === undefined || (prev.state === "resolved" && prev.resolvedOn !== null && prev.resolvedOn < flapUntil)) {
      const fresh = episode(f, "open", f.type, f.severity, f.severity, today, null);
      push(prev === undefined ? "open" : "reopen", f, fresh, prev);
    } else {
      // Open, or a flap back within a day of resolving: the same occurrence continues.
      const escalates = f.severity > prev.notifiedSeverity;
      const next = episode(prev, "open", f.type, f.severity, escalates ? f.severity : prev.notifiedSeverity, prev.openedOn, null);
      push(escalates ? "escalate" : "unchanged", f, next, prev);
    }
  }
  for (const e of episodes) {
    if (e.state === "open" && !current.has(e.key)) {
      push("resolve", null, episode(e, "resolved", e.type, e.severity, e.notifiedSeverity, e.openedOn, today), e);
    }
  }
  return out;
}
