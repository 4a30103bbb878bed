/** Export markets and what an export lot to each must carry (DOMAIN.md §2). */
export const EXPORT_MARKETS = ['EU', 'JP', 'US', 'AU', 'CN', 'TH'] as const;
export type ExportMarket = (typeof EXPORT_MARKETS)[number];

export interface MarketRequirement {
  market: ExportMarket;
  name: string;
  /** Post-harvest treatment the lot must go through before shipping, if any. */
  treatment?: string;
  papers: string[];
}

export const MARKET_REQUIREMENTS: Record<ExportMarket, MarketRequirement> = {
  CN: { market: 'CN', name: 'China', papers: ['phytosanitary certificate', 'traceability label'] },
  JP: {
    market: 'JP',
    name: 'Japan',
    treatment: 'methyl bromide fumigation ≥ 32 g/m³ for 2 h',
    papers: ['phytosanitary certificate'],
  },
  US: {
    market: 'US',
    name: 'United States',
    treatment: 'irradiation 400 Gy',
    papers: ['phytosanitary certificate'],
  },
  AU: { market: 'AU', name: 'Australia', treatment: 'irradiation', papers: ['phytosanitary certificate'] },
  EU: {
    market: 'EU',
    name: 'European Union',
    papers: ['phytosanitary certificate', 'CHED-PP (importer, TRACES NT)', 'pesticide residue test'],
  },
  TH: { market: 'TH', name: 'Thailand', papers: ['phytosanitary certificate'] },
};

export function isExportMarket(value: string): value is ExportMarket {
  return (EXPORT_MARKETS as readonly string[]).includes(value);
}
