// Money totals in TypeScript: per currency, never across two, with the licences that have no price counted apart.
import { describe, expect, it } from 'vitest';
import { totalsByCurrency, totalsText } from '../../../src/warehouse/rules/money';
import { annualCost } from '../../../src/warehouse/lookup/index';

const licences = [
  { annualCost: '1000.50', currency: 'USD' },
  { annualCost: '43.50', currency: 'USD' },
  { annualCost: '342.00', currency: 'EUR' },
  { annualCost: null, currency: null },
];

describe('money totals', () => {
  it('sums each currency on its own, sorted by currency, and counts the unpriced', () => {
    expect(totalsByCurrency(licences, annualCost)).toEqual({
      totals: [
        { currency: 'EUR', amount: '342.00' },
        { currency: 'USD', amount: '1044.00' },
      ],
      unpriced: 1,
    });
  });

  it('reads "EUR 342.00 + USD 1,044.00 + 1 without a price", and nothing for no rows', () => {
    expect(totalsText(licences, annualCost)).toBe('EUR 342.00 + USD 1,044.00 + 1 without a price');
    expect(totalsText(licences.slice(3), annualCost)).toBe('1 without a price');
    expect(totalsText([], annualCost)).toBe('');
  });
});
