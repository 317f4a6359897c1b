import type { PriceTable } from '../model/pricing.js';
import data from './snapshot-data.json' with { type: 'json' };

/**
 * The embedded, dated price snapshot (curated by hand, see snapshot-data.json
 * `notes` per row and src/price/SOURCES.md; regenerate from a LiteLLM file with
 * `npm run update-prices -- model_prices_and_context_window.json`).
 */
export const EMBEDDED_PRICE_TABLE: PriceTable = data as PriceTable;
