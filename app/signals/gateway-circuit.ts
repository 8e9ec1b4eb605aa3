/**
 * The circuit breaker of an external endpoint, as pure state transitions (the state lives in `SignalCircuit`, read and
 * written under a row lock by gateway-circuit.server.ts, so every worker agrees):
 *
 * closed → open after `threshold` consecutive failed calls (each after its own retries) → after `coolDownMs` one caller
 * is let through (half-open) → closed when it succeeds, open again when it fails. A trial that never reports back (its
 * worker died) is taken over by the next caller once a cool-down has passed since it started.
 */
export type CircuitPhase = "closed" | "open" | "half_open";

export interface CircuitState {
  state: CircuitPhase;
  consecutiveFailures: number;
  openedAt: Date | null;
  updatedAt: Date;
}

export interface CircuitConfig {
  threshold: number;
  coolDownMs: number;
}

export type Admission = { allowed: true } | { allowed: false; retryInMs: number };

export function closedCircuit(now: Date): CircuitState {
  return { state: "closed", consecutiveFailures: 0, openedAt: null, updatedAt: now };
}

/** Whether a call may go out now, and the state after the decision. */
export function admit(current: CircuitState, now: Date, config: CircuitConfig): { admission: Admission; next: CircuitState } {
  if (current.state === "closed") return { admission: { allowed: true }, next: current };
  const since = current.state === "open" ? (current.openedAt ?? current.updatedAt) : current.updatedAt;
  const elapsed = now.getTime() - since.getTime();
  if (elapsed < config.coolDownMs) {
    return { admission: { allowed: false, retryInMs: config.coolDownMs - elapsed }, next: current };
  }
  // Open and cooled down, or a half-open trial abandoned for a cool-down: this caller is the trial.
  return { admission: { allowed: true }, next: { ...current, state: "half_open", updatedAt: now } };
}

export function afterSuccess(_current: CircuitState, now: Date): CircuitState {
  return closedCircuit(now);
}

export function afterFailure(current: CircuitState, now: Date, config: CircuitConfig): CircuitState {
  const consecutiveFailures = current.consecutiveFailures + 1;
  if (current.state === "half_open" || consecutiveFailures >= config.threshold) {
    return { state: "open", consecutiveFailures, openedAt: now, updatedAt: now };
  }
  return { ...current, consecutiveFailures, updatedAt: now };
}
