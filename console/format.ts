// How the console writes numbers and times for a person. Amounts stay the API's decimal strings (no
// float rounding of money); only grouping and the currency code are added.

export function money(amount: string | null | undefined, currency: string): string {
  if (amount === null || amount === undefined) return '—';
  const [whole = '0', fraction] = amount.split('.');
  const negative = whole.startsWith('-');
  const digits = negative ? whole.slice(1) : whole;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const cents = (fraction ?? '').padEnd(2, '0');
  return `${negative ? '−' : ''}${grouped}.${cents} ${currency}`;
}

export function percent(rate: string | null | undefined): string {
  return rate === null || rate === undefined ? '—' : `${rate} %`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** "in 3 hours", "2 days ago": how far a time is from now. */
export function fromNow(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '';
  const seconds = (Date.parse(iso) - now) / 1000;
  const steps: [Intl.RelativeTimeFormatUnit, number][] = [
    ['day', 86_400],
    ['hour', 3_600],
    ['minute', 60],
  ];
  for (const [unit, size] of steps) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return relative.format(Math.round(seconds), 'second');
}
