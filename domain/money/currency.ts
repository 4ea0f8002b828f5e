import { fractionDigits, fromUnits, isDecimal, toUnits } from './decimal';

// ISO 4217 currencies and their minor units (the digits after the decimal point an amount may have),
// from the ISO 4217 list (Amendment 179, 2025). Codes without minor units (precious metals, XDR, XSU,
// XUA, the test and "no currency" codes) are left out: nothing can be charged in them. Pure and static,
// so the workflow validates with the same table as the API. A code added here only widens what is
// accepted; removing one would refuse cycles already running in it, so codes are never removed.

const MINOR_UNITS: ReadonlyMap<string, number> = new Map(
  Object.entries({
    0: 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF',
    3: 'BHD IQD JOD KWD LYD OMR TND',
    4: 'CLF UYW',
    2:
      'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD ' +
      'CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS ' +
      'GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL ' +
      'MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK ' +
      'PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS ' +
      'TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG',
  }).flatMap(([digits, codes]) => codes.split(' ').map((code) => [code, Number(digits)] as const)),
);

/** Every code this service accepts, sorted. */
export const CURRENCY_CODES: readonly string[] = [...MINOR_UNITS.keys()].sort();

export const NOT_A_CURRENCY = 'an ISO 4217 currency code such as "USD"';

export function isCurrency(code: string): boolean {
  return MINOR_UNITS.has(code);
}

/** Digits after the decimal point the currency has (2 for USD, 0 for JPY, 3 for KWD); undefined if unknown. */
export function minorUnits(code: string): number | undefined {
  return MINOR_UNITS.get(code);
}

/**
 * Why `amount` is not a chargeable amount of `currency`, or undefined when it is: a decimal string
 * (no sign, no leading zeros), greater than zero, with no more decimals than the currency has.
 */
export function amountProblem(amount: string, currency: string): string | undefined {
  if (!isDecimal(amount)) return 'a decimal string such as "100.00", without leading zeros';
  if (toUnits(amount) <= 0n) return 'must be greater than zero';
  const digits = minorUnits(currency);
  if (digits === undefined) return undefined; // the currency field reports its own problem
  if (fractionDigits(amount) > digits) {
    return digits === 0
      ? `${currency} has no minor unit: a whole number such as "100"`
      : `${currency} has ${digits} decimal places: at most ${digits} digits after the point`;
  }
  return undefined;
}

/** A stored amount (numeric with 4 decimals, e.g. "100.0000") as the currency writes it: "100.00", "100". */
export function formatAmount(amount: string, currency: string): string {
  // fromUnits keeps any non-zero digit beyond the currency's, so nothing stored is ever hidden.
  return fromUnits(toUnits(amount), minorUnits(currency) ?? 2);
}
