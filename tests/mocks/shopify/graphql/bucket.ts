/** The per shop+app leaky bucket behind Shopify's calculated query cost limits. */
export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

/** Bucket size and restore rate per plan (Standard/Basic: 1 000 points, 50 points per second). */
export function bucketForPlan(plan: string): { maximum: number; restoreRate: number } {
  if (plan === "Shopify Plus") return { maximum: 10_000, restoreRate: 500 };
  if (plan === "Advanced") return { maximum: 2_000, restoreRate: 100 };
  return { maximum: 1_000, restoreRate: 50 };
}

export class LeakyBucket {
  private available: number;
  private updatedAt: number;

  constructor(
    readonly maximum = 1_000,
    readonly restoreRate = 50,
    private readonly clock: () => number = Date.now,
  ) {
    this.available = maximum;
    this.updatedAt = clock();
  }

  private refill(): void {
    const now = this.clock();
    this.available = Math.min(this.maximum, this.available + ((now - this.updatedAt) / 1000) * this.restoreRate);
    this.updatedAt = now;
  }

  /** Takes `cost` points if they are there; false (and nothing taken) otherwise. */
  take(cost: number): boolean {
    this.refill();
    if (cost > this.available) return false;
    this.available -= cost;
    return true;
  }

  /** Gives back the difference between requested and actual cost. */
  refund(points: number): void {
    this.refill();
    this.available = Math.min(this.maximum, this.available + Math.max(0, points));
  }

  /** Empties the bucket (tests: force THROTTLED). */
  drain(): void {
    this.refill();
    this.available = 0;
  }

  status(): ThrottleStatus {
    this.refill();
    return { maximumAvailable: this.maximum, currentlyAvailable: Math.floor(this.available), restoreRate: this.restoreRate };
  }
}
