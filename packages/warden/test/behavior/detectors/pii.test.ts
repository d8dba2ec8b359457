import { describe, expect, it } from 'vitest';
import { detectPii, ibanValid, isCardNumber, isPlausibleSsn, luhnValid } from '../../../src/behavior/detectors/pii.js';
import { run } from './helpers.js';

describe('checksums', () => {
  it('Luhn: a valid and an invalid card number', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(isCardNumber('4111 1111 1111 1111')).toBe(true);
    expect(isCardNumber('4111-1111-1111-1112')).toBe(false);
    expect(isCardNumber('378282246310005')).toBe(true); // Amex
    expect(isCardNumber('1234567812345670')).toBe(false); // Luhn-valid, no issuer starts with 1
  });

  it('SSN: the ranges the SSA never issues are excluded', () => {
    expect(isPlausibleSsn('123', '45', '6789')).toBe(true);
    expect(isPlausibleSsn('000', '45', '6789')).toBe(false);
    expect(isPlausibleSsn('666', '45', '6789')).toBe(false);
    expect(isPlausibleSsn('912', '45', '6789')).toBe(false);
    expect(isPlausibleSsn('123', '00', '6789')).toBe(false);
    expect(isPlausibleSsn('123', '45', '0000')).toBe(false);
  });

  it('IBAN: mod-97', () => {
    expect(ibanValid('GB82 WEST 1234 5698 7654 32')).toBe(true);
    expect(ibanValid('DE89370400440532013000')).toBe(true);
    expect(ibanValid('GB82 WEST 1234 5698 7654 33')).toBe(false);
  });
});

describe('detectPii', () => {
  it('counts a Luhn-valid card number and ignores a Luhn-invalid one', () => {
    expect(run(detectPii, { note: 'card 4111 1111 1111 1111' })[0]).toEqual({
      code: 'PII_IN_ARGS',
      points: 25,
      message: '`note` contains personal data: 1 card number',
    });
    expect(run(detectPii, { note: 'order 4111 1111 1111 1112' })).toEqual([]);
  });

  it('finds a card number sent as a JSON number', () => {
    expect(run(detectPii, { card: 5555555555554444 })[0]?.message).toBe('`card` contains personal data: 1 card number');
  });

  it('counts e-mail addresses, phone numbers, SSNs, UK NI numbers and IBANs', () => {
    const [f] = run(detectPii, {
      rows: ['ana@example.org, +1 415 555 0100', 'ben@example.org (020) 7946 0958', 'SSN 123-45-6789', 'NI AB 12 34 56 C', 'IBAN GB82 WEST 1234 5698 7654 32'],
    });
    expect(f?.message).toBe(
      '`rows[0]` contains personal data: 1 US social security number, 1 UK national insurance number, 1 IBAN, 2 e-mail addresses and 2 phone numbers',
    );
    expect(f?.points).toBe(50);
  });

  it('weighs one address lightly and a dump heavily', () => {
    expect(run(detectPii, { to: 'ana@example.org' })[0]?.points).toBe(4);
    const many = Array.from({ length: 200 }, (_, i) => `user${i}@example.org`).join('\n');
    expect(run(detectPii, { dump: many })[0]?.points).toBe(35);
  });

  it.each([
    ['an SSN in a range never issued', { id: '666-12-3456' }],
    ['a date and a version', { text: 'released 2026-03-18 as v1.2.3' }],
    ['an IBAN with a bad check', { iban: 'GB82 WEST 1234 5698 7654 33' }],
    ['an order number', { order: 'ORD-123456' }],
    ['a UUID', { id: '3f1c2a9e-8d4b-4f7a-9c1e-2b6d5a7e9f01' }],
  ])('finds nothing in %s', (_name, args) => {
    expect(run(detectPii, args)).toEqual([]);
  });
});
