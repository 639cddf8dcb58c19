/**
 * JSON values as the fuzzer builds them: ordinary JSON, plus `RawJson` pieces that are written into
 * the body verbatim — number literals JavaScript cannot hold (`1e400`, `99999999999999999999`,
 * `-0`) and nesting thousands of levels deep — and a readable, abbreviated rendering for reports.
 */

/** A piece of JSON text written as is; `label` is how reports show it. */
export class RawJson {
  constructor(
    readonly text: string,
    readonly label: string = text,
  ) {}
}

/** JSON text for a value that may contain RawJson pieces (they are written verbatim). */
export function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map((item) => toJsonText(item)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const parts = Object.keys(value).map(
      (key) => `${JSON.stringify(key)}:${toJsonText((value as Record<string, unknown>)[key])}`,
    );
    return `{${parts.join(',')}}`;
  }
  // undefined inside an array would be `null` in JSON.stringify; the generators never produce it.
  return JSON.stringify(value) ?? 'null';
}

/** `depth` levels of `[` … `]` or `{"a":` … `}` around `1`. */
export function deepJson(kind: 'array' | 'object', depth: number): RawJson {
  const text =
    kind === 'array' ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  return new RawJson(text, `<${kind} nested ${depth} deep>`);
}

/** A string shown readably: long runs of a repeated unit are written as `'ab' × 1000`. */
export function abbreviateString(text: string, max = 120): string {
  if (text.length <= max) return JSON.stringify(text);
  for (let unit = 1; unit <= 8; unit += 1) {
    const piece = text.slice(0, unit);
    const times = Math.floor(text.length / unit);
    if (piece.repeat(times) === text.slice(0, unit * times)) {
      const rest = text.slice(unit * times);
      return `(${JSON.stringify(piece)} × ${times}${rest ? ` + ${JSON.stringify(rest)}` : ''})`;
    }
  }
  return `${JSON.stringify(text.slice(0, max))}…(${text.length} chars)`;
}

/** A value rendered like JSON, with long strings and RawJson pieces abbreviated. */
export function renderValue(value: unknown, budget = { left: 4000 }): string {
  if (budget.left <= 0) return '…';
  let out: string;
  if (value instanceof RawJson) out = value.label.length > 200 ? `${value.label.slice(0, 200)}…` : value.label;
  else if (typeof value === 'string') out = abbreviateString(value);
  else if (Array.isArray(value)) {
    if (value.length > 20) {
      out = `[${value
        .slice(0, 5)
        .map((item) => renderValue(item, budget))
        .join(',')}, …(${value.length} items)]`;
    } else out = `[${value.map((item) => renderValue(item, budget)).join(',')}]`;
  } else if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    const shown = keys
      .slice(0, 20)
      .map((key) => `${JSON.stringify(key)}:${renderValue((value as Record<string, unknown>)[key], budget)}`);
    if (keys.length > 20) shown.push(`…(${keys.length} keys)`);
    out = `{${shown.join(',')}}`;
  } else out = JSON.stringify(value) ?? String(value);
  budget.left -= out.length;
  return out;
}
