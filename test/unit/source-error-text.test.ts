// Source errors become Temporal failures and log lines: they must say what is
// wrong without carrying the customer data DuckDB echoes back.
import { describe, expect, it } from 'vitest';
import { describeHeaders, duckdbMessage } from '../../activities/warehouse/read-source.ts';

describe('source error text', () => {
  it("keeps DuckDB's reason and drops the echoed row and SQL", () => {
    const message = [
      'Invalid Input Error: CSV Error on Line: 3',
      'Original Line: 3,Alice Wong loved it,extra',
      'Expected Number of columns: 2 Found: 3',
      '',
      'LINE 1: SELECT * FROM read_csv(...)',
    ].join('\n');
    const text = duckdbMessage(new Error(message));
    expect(text).toBe('Invalid Input Error: CSV Error on Line: 3 Expected Number of columns: 2 Found: 3');
    expect(text).not.toMatch(/Alice/);
  });

  it('keeps a reason that DuckDB puts after the echoed row, and drops its option list', () => {
    // As DuckDB 1.5 words a latin-1 file (its long option list shortened here).
    const message = [
      'Invalid Input Error: CSV Error on Line: 2',
      'Original Line: c1,Köln',
      'Invalid unicode (byte sequence mismatch) detected. This file is not utf-8 encoded.',
      '',
      "Possible Solution: Set the correct encoding, if available, to read this CSV File (e.g., encoding='UTF-16')",
      'Possible Solution: Enable ignore errors (ignore_errors=true) to skip this row',
      '',
      '  file = /data/customers.csv',
      '  delimiter = , (Auto-Detected)',
      '  ignore_errors = false',
      '',
      "LINE 1: SELECT * FROM read_csv('/data/customers.csv', all_varchar=true...",
      '                      ^',
    ].join('\n');
    expect(duckdbMessage(new Error(message))).toBe(
      'Invalid Input Error: CSV Error on Line: 2 Invalid unicode (byte sequence mismatch) detected. This file is not utf-8 encoded.',
    );
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
