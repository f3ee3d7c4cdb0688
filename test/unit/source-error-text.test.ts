// Source errors become Temporal failures and log lines: they must say what is
// wrong without carrying the customer data DuckDB echoes back.
import { describe, expect, it } from 'vitest';
import { describeHeaders, duckdbMessage } from '../../activities/warehouse/read-source.ts';

describe('source error text', () => {
  it("keeps DuckDB's reason and drops the echoed row and SQL", () => {
    const message = [
      'Invalid Input Error: CSV Error on Line: 3',
      'Original Line: 3,jane.doe@example.com call +1 415-555-0132,extra',
      'Expected Number of columns: 2 Found: 3',
      '',
      'LINE 1: SELECT * FROM read_csv(...)',
    ].join('\n');
    const text = duckdbMessage(new Error(message));
    expect(text).toBe('Invalid Input Error: CSV Error on Line: 3');
    expect(text).not.toMatch(/jane|555/);
  });

  it('redacts contact details left in the first line', () => {
    expect(duckdbMessage(new Error('Conversion Error: "write to jane.doe@example.com" is not a number'))).not.toMatch(/jane\.doe/);
  });

  it('shows header names but not data read as a header', () => {
    expect(describeHeaders(['id', 'signup_at'])).toBe('id, signup_at');
    const text = describeHeaders(['C0001', 'jane.doe@example.com', 'Great shoes, would buy again!']);
    expect(text).toBe('C0001, 2 header(s) that do not look like column names');
  });
});
