/**
 * Fleet projection: per-run cost and tokens scaled to agents × runs per day,
 * with retries re-running a share of the runs. Linear by construction: the
 * article's 50 agents × $12/day × 2 (retries doubling consumption) = $1,200/day.
 */

export interface FleetSpec {
  agents: number;
  /** Runs per agent per day, before retries. */
  runsPerDay: number;
  /** Extra runs per run caused by retries (1 = every run is done twice). */
  retryRate: number;
  /** Horizon of `costOverDaysUsd`. */
  days: number;
}

export interface FleetProjection {
  agents: number;
  runsPerDay: number;
  retryRate: number;
  days: number;
  /** Runs billed per day over the fleet: agents × runsPerDay × (1 + retryRate). */
  billedRunsPerDay: number;
  costPerRunUsd: number;
  tokensPerRun: number;
  costPerDayUsd: number;
  /** 30-day month. */
  costPerMonthUsd: number;
  costOverDaysUsd: number;
  tokensPerDay: number;
  tokensPerMonth: number;
}

export const DAYS_PER_MONTH = 30;

export function projectFleet(perRunCostUsd: number, tokensPerRun: number, spec: FleetSpec): FleetProjection {
  const billedRunsPerDay = spec.agents * spec.runsPerDay * (1 + spec.retryRate);
  const costPerDayUsd = perRunCostUsd * billedRunsPerDay;
  const tokensPerDay = tokensPerRun * billedRunsPerDay;
  return {
    agents: spec.agents,
    runsPerDay: spec.runsPerDay,
    retryRate: spec.retryRate,
    days: spec.days,
    billedRunsPerDay,
    costPerRunUsd: perRunCostUsd,
    tokensPerRun,
    costPerDayUsd,
    costPerMonthUsd: costPerDayUsd * DAYS_PER_MONTH,
    costOverDaysUsd: costPerDayUsd * spec.days,
    tokensPerDay,
    tokensPerMonth: tokensPerDay * DAYS_PER_MONTH,
  };
}
