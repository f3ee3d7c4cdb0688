/** Renders rows as an aligned plain-text table (numbers right-aligned). */
export function textTable(rows: Array<Record<string, unknown>>, columns?: string[]): string {
  if (rows.length === 0) return '(no rows)';
  const names = columns ?? Object.keys(rows[0]!);
  const cells = rows.map((row) => names.map((name) => formatCell(row[name])));
  const widths = names.map((name, i) => Math.max(name.length, ...cells.map((r) => r[i]!.length)));
  const numeric = names.map((name) => rows.every((row) => typeof row[name] === 'number' || row[name] == null));
  const line = (values: string[]) =>
    values.map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(names), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

function formatCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(2);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
