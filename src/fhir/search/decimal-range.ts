/**
 * A decimal with the range its precision implies (FHIR R4 search.html#number: `100` means
 * [99.5, 100.5), `1e2` means [50, 150)). Exact: computed on scaled integers, never floats.
 */
export interface DecimalRange {
  value: string;
  low: string;
  high: string;
}

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

export function decimalRange(text: string): DecimalRange | undefined {
  const m = DECIMAL.exec(text.trim());
  if (!m) return undefined;
  const [, sign = '', int = '', frac = '', exp] = m;
  const exponent = exp === undefined ? 0 : Number(exp);
  if (Math.abs(exponent) > 100) return undefined;
  // value = mantissa × 10^-scale; precision = the last significant digit written.
  // value = mantissa × 10^-scale, one digit finer than the last one written, ± half a step.
  const mantissa = BigInt(`${sign === '-' ? '-' : ''}${int}${frac}`) * 10n;
  const scale = frac.length - exponent + 1;
  const halfStep = 5n;
  return {
    value: toText(mantissa, scale),
    low: toText(mantissa - halfStep, scale),
    high: toText(mantissa + halfStep, scale),
  };
}

function toText(mantissa: bigint, scale: number): string {
  if (scale <= 0) return (mantissa * 10n ** BigInt(-scale)).toString();
  const negative = mantissa < 0n;
  const digits = (negative ? -mantissa : mantissa).toString().padStart(scale + 1, '0');
  const text = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`.replace(/\.?0+$/, '');
  return `${negative ? '-' : ''}${text}`;
}
