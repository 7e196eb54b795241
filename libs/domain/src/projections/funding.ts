// Funding read model: per mission, per donor and currency — pledged, committed, disbursed.
// Amounts are exact decimal strings (see money.ts).
import { DomainEvent } from '../catalogue';
import { addAmounts, parseAmount, formatAmount } from '../money';

export interface DonorFunding {
  donor: string;
  currency: string;
  pledged: string;
  committed: string;
  disbursed: string;
}

export interface FundingState {
  /** Keyed by `${donor}\u0000${currency}`. */
  byDonor: Record<string, DonorFunding>;
}

export type CurrencyFunding = Omit<DonorFunding, 'donor'>;

/** The events the funding fold reads (the others leave it unchanged). */
export const FUNDING_EVENT_TYPES: ReadonlySet<DomainEvent['type']> = new Set([
  'FundingPledged',
  'FundingPledgeRevised',
  'FundingCommitted',
  'FundingDisbursed',
]);

export const emptyFunding = (): FundingState => ({ byDonor: {} });

export const donorKey = (donor: string, currency: string): string => `${donor}\u0000${currency}`;

export function evolveFunding(state: FundingState, event: DomainEvent): FundingState {
  switch (event.type) {
    case 'FundingPledged':
    case 'FundingPledgeRevised':
    case 'FundingCommitted':
    case 'FundingDisbursed': {
      const { donor, currency, amount } = event.data;
      const key = donorKey(donor, currency);
      const current = state.byDonor[key] ?? { donor, currency, pledged: '0', committed: '0', disbursed: '0' };
      const next = { ...current };
      if (event.type === 'FundingPledged') next.pledged = addAmounts(next.pledged, amount);
      if (event.type === 'FundingPledgeRevised') next.pledged = formatAmount(parseAmount(amount));
      if (event.type === 'FundingCommitted') next.committed = addAmounts(next.committed, amount);
      if (event.type === 'FundingDisbursed') next.disbursed = addAmounts(next.disbursed, amount);
      return { byDonor: { ...state.byDonor, [key]: next } };
    }
    default:
      return state;
  }
}

/** byDonor sorted by donor then currency. */
export function fundingByDonor(state: FundingState): DonorFunding[] {
  return Object.values(state.byDonor).sort((a, b) =>
    a.donor === b.donor ? a.currency.localeCompare(b.currency) : a.donor.localeCompare(b.donor),
  );
}

/** Totals per currency (never added across currencies), sorted by currency. */
export function fundingByCurrency(donors: ReadonlyArray<DonorFunding>): CurrencyFunding[] {
  const totals = new Map<string, { pledged: bigint; committed: bigint; disbursed: bigint }>();
  for (const d of donors) {
    const t = totals.get(d.currency) ?? { pledged: 0n, committed: 0n, disbursed: 0n };
    t.pledged += parseAmount(d.pledged);
    t.committed += parseAmount(d.committed);
    t.disbursed += parseAmount(d.disbursed);
    totals.set(d.currency, t);
  }
  return [...totals.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, t]) => ({
      currency,
      pledged: formatAmount(t.pledged),
      committed: formatAmount(t.committed),
      disbursed: formatAmount(t.disbursed),
    }));
}
