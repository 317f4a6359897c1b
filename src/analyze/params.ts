/**
 * How the analysis varies the run's simulation parameters: the TTL variants
 * (`transcript@5m`, `@1h`, `@log`), the idle-gap sweep (the simulator's
 * allocation-free `gapOverrideMs`) and the state-size sweep (state ratio with
 * the state cap lifted, so the ratio alone decides the state size).
 */
import type { SimulationParams } from '../simulate/params.js';
import type { ParamOverrides } from './break-even.js';

const TTL_SECONDS = { '5m': 300, '1h': 3600 } as const;

export function applyOverrides(params: SimulationParams, overrides: ParamOverrides | undefined): SimulationParams {
  if (!overrides) return params;
  const p: SimulationParams = { ...params };
  if (overrides.ttl === 'log') p.ttlSeconds = null;
  else if (overrides.ttl !== undefined) p.ttlSeconds = TTL_SECONDS[overrides.ttl];
  if (overrides.gapMs !== undefined) p.gapOverrideMs = overrides.gapMs;
  if (overrides.stateRatio !== undefined) {
    p.stateRatio = overrides.stateRatio;
    p.stateCapTokens = Number.MAX_SAFE_INTEGER;
  }
  return p;
}

export function stateRatioOf(params: SimulationParams): number {
  return params.stateRatio;
}

/** The parameters as a flat, JSON-safe map for the assumptions section. */
export function flattenParams(params: SimulationParams): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  const visit = (prefix: string, value: unknown): void => {
    if (value === null || typeof value === 'string' || typeof value === 'boolean') out[prefix] = value;
    else if (typeof value === 'number') out[prefix] = Number.isFinite(value) ? value : null;
    else if (Array.isArray(value)) out[prefix] = value.map(String).join(',');
    else if (typeof value === 'object') for (const [k, v] of Object.entries(value as Record<string, unknown>)) visit(prefix ? `${prefix}.${k}` : k, v);
  };
  visit('', params);
  return out;
}
