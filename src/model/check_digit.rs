//! Check digits of identifiers: the schemes a validator checks (an IBAN's ISO 7064 MOD 97-10,
//! a card number's or IMEI's Luhn digit, an NPI's Luhn digit over its `80840` prefix).
//!
//! An id drawn in the real ids' shape has digits at random, so a validator refused nearly
//! every synthetic IBAN (1,633 of 1,655) although every real one held. Training finds the
//! scheme every real value of a column keeps ([`CheckDigit::detect`]); generation sets the
//! check digits of each fresh id ([`CheckDigit::fix`]).

use serde::{Deserialize, Serialize};

/// A check-digit scheme every real value of an id column keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CheckDigit {
    /// ISO 13616 IBAN: two letters, two check digits, then letters and digits (spaces
    /// ignored), the whole read as a number after moving the first four to the end is 1 mod 97.
    Iban,
    /// ISO/IEC 7812 Luhn over the value's digits (others ignored), the last one the check
    /// digit: card numbers, IMEIs.
    Luhn,
    /// A US National Provider Identifier: ten digits, the last a Luhn digit over the prefix
    /// `80840` and the first nine.
    Npi,
}

/// The fewest real values that must all keep a scheme for it to be taken: Luhn holds by
/// chance on a tenth of random numbers, so on 20 values about once in 10^20.
pub const MIN_CHECKED: usize = 20;

/// The schemes tried, the most particular first (an IBAN's digits may keep Luhn by chance too;
/// a value cannot keep both Luhn and NPI's Luhn, their sums differ by 4).
const SCHEMES: [CheckDigit; 3] = [CheckDigit::Iban, CheckDigit::Npi, CheckDigit::Luhn];

/// The digits NPI's Luhn digit is computed over before the number's own (ISO 7812's card issuer
/// prefix for US health care).
const NPI_PREFIX: [u8; 5] = [8, 0, 8, 4, 0];

/// The shortest and longest IBAN, in letters and digits (Norway's 15, Saint Lucia's 32, room
/// to 34).
const IBAN_LENGTHS: std::ops::RangeInclusive<usize> = 15..=34;

impl CheckDigit {
    /// The scheme all `values` keep, when there are at least [`MIN_CHECKED`] of them: a
    /// coincidence on a few values is not taken.
    pub fn detect<S: AsRef<str>>(values: &[S]) -> Option<CheckDigit> {
        if values.len() < MIN_CHECKED {
            return None;
        }
        (SCHEMES.into_iter()).find(|scheme| values.iter().all(|v| scheme.holds(v.as_ref())))
    }

    /// Whether `value` has the scheme's shape and a valid check digit.
    pub fn holds(self, value: &str) -> bool {
        match self {
            CheckDigit::Iban => {
                iban_digits(value).is_some_and(|digits| iban_remainder(&digits) == 1)
            }
            CheckDigit::Luhn => {
                luhn_digits(value).is_some_and(|digits| luhn_sum(&digits) % 10 == 0)
            }
            CheckDigit::Npi => npi_digits(value).is_some_and(|digits| luhn_sum(&digits) % 10 == 0),
        }
    }

    /// `value` with its check digits made valid, the other characters kept; `None` when it
    /// does not have the scheme's shape (a draw widened past it).
    pub fn fix(self, value: &str) -> Option<String> {
        match self {
            CheckDigit::Iban => fix_iban(value),
            CheckDigit::Luhn => fix_last_digit(value, luhn_digits(value)?),
            CheckDigit::Npi => fix_last_digit(value, npi_digits(value)?),
        }
    }
}

/// An IBAN's letters and digits as ISO 7064 reads them (letters as 10 to 35), rearranged with
/// the first four at the end; `None` if it is no IBAN in shape (spaces are allowed).
fn iban_digits(value: &str) -> Option<Vec<u8>> {
    let chars: Vec<u8> = value.bytes().filter(|&b| b != b' ').collect();
    let shaped = IBAN_LENGTHS.contains(&chars.len())
        && chars[..2].iter().all(u8::is_ascii_uppercase)
        && chars[2..4].iter().all(u8::is_ascii_digit)
        && chars[4..]
            .iter()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase());
    if !shaped {
        return None;
    }
    let rearranged = chars[4..].iter().chain(&chars[..4]);
    Some(rearranged.map(|&b| iban_value(b)).collect())
}

/// A character's value in ISO 7064 MOD 97-10 (`0`-`9`, then `A` = 10 to `Z` = 35).
fn iban_value(byte: u8) -> u8 {
    match byte {
        b'0'..=b'9' => byte - b'0',
        _ => byte - b'A' + 10,
    }
}

/// The remainder mod 97 of the number the values spell (each one or two decimal digits).
fn iban_remainder(values: &[u8]) -> u32 {
    values.iter().fold(0u32, |rest, &v| match v {
        0..=9 => (rest * 10 + u32::from(v)) % 97,
        _ => (rest * 100 + u32::from(v)) % 97,
    })
}

/// `value` with its IBAN check digits (the third and fourth letters or digits) set.
fn fix_iban(value: &str) -> Option<String> {
    let mut digits = iban_digits(value)?;
    // The check digits sit last but two of the rearranged number: zero them, as ISO 7064 does.
    let at = digits.len() - 2;
    digits[at..].fill(0);
    let check = 98 - iban_remainder(&digits);
    let check = [b'0' + (check / 10) as u8, b'0' + (check % 10) as u8];
    let mut bytes = value.as_bytes().to_vec();
    let places = (bytes.iter().enumerate())
        .filter(|&(_, &b)| b != b' ')
        .map(|(at, _)| at)
        .skip(2)
        .take(2)
        .collect::<Vec<usize>>();
    for (place, digit) in places.into_iter().zip(check) {
        bytes[place] = digit;
    }
    String::from_utf8(bytes).ok()
}

/// The value's digits (at least two, the last the check digit), other characters ignored.
fn luhn_digits(value: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = value
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();
    (digits.len() >= 2).then_some(digits)
}

/// An NPI's ten digits after the prefix `80840`; `None` unless the value holds ten digits.
fn npi_digits(value: &str) -> Option<Vec<u8>> {
    let digits = luhn_digits(value).filter(|digits| digits.len() == 10)?;
    Some(NPI_PREFIX.iter().copied().chain(digits).collect())
}

/// Luhn's sum over `digits` (the last one the check digit): every second digit from the
/// right, starting with the one before the check digit, doubled (less 9 above 9).
fn luhn_sum(digits: &[u8]) -> u32 {
    let doubled = |d: u8| match 2 * d {
        twice @ 0..=9 => twice,
        twice => twice - 9,
    };
    (digits.iter().rev().enumerate())
        .map(|(place, &d)| u32::from(if place % 2 == 1 { doubled(d) } else { d }))
        .sum()
}

/// `value` with its last digit set to the Luhn check digit of `digits` (whose last one is it).
fn fix_last_digit(value: &str, mut digits: Vec<u8>) -> Option<String> {
    let last = digits.len().checked_sub(1)?;
    digits[last] = 0;
    let check = ((10 - luhn_sum(&digits) % 10) % 10) as u8;
    let place = value.bytes().rposition(|b| b.is_ascii_digit())?;
    let mut bytes = value.as_bytes().to_vec();
    bytes[place] = b'0' + check;
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_valid_numbers_hold() {
        assert!(CheckDigit::Iban.holds("GB82WEST12345698765432"));
        assert!(CheckDigit::Iban.holds("DE89 3704 0044 0532 0130 00"));
        assert!(!CheckDigit::Iban.holds("GB83WEST12345698765432"));
        assert!(!CheckDigit::Iban.holds("gb82west12345698765432"));
        assert!(CheckDigit::Luhn.holds("4111 1111 1111 1111"));
        assert!(CheckDigit::Luhn.holds("490154203237518"), "an IMEI");
        assert!(!CheckDigit::Luhn.holds("4111111111111112"));
        assert!(CheckDigit::Npi.holds("1234567893"));
        assert!(!CheckDigit::Npi.holds("1234567890"));
        assert!(
            !CheckDigit::Luhn.holds("1234567893"),
            "NPI's Luhn is not plain Luhn"
        );
    }

    #[test]
    fn fixed_values_hold_and_keep_their_other_characters() {
        let cases = [
            (CheckDigit::Iban, "GB00WEST12345698765432"),
            (CheckDigit::Iban, "FR12 3456 7890 1234 5678 9012 345"),
            (CheckDigit::Luhn, "4111-1111-1111-1119"),
            (CheckDigit::Npi, "1234567890"),
        ];
        for (scheme, value) in cases {
            let fixed = scheme.fix(value).expect("in shape");
            assert!(scheme.holds(&fixed), "{scheme:?} {fixed}");
            assert_eq!(fixed.len(), value.len());
            let differ = fixed.bytes().zip(value.bytes()).filter(|(a, b)| a != b);
            assert!(differ.count() <= 2, "{value} -> {fixed}");
        }
        assert_eq!(
            CheckDigit::Iban.fix("GB00WEST12345698765432").as_deref(),
            Some("GB82WEST12345698765432")
        );
        assert_eq!(CheckDigit::Iban.fix("12"), None);
    }

    #[test]
    fn a_scheme_is_taken_only_on_enough_values() {
        // Luhn-valid numbers: 19 are too few, 20 enough.
        let valid: Vec<String> = (0..40u64)
            .map(|i| {
                CheckDigit::Luhn
                    .fix(&format!("{}", 1_000_000 + i * 7_919))
                    .expect("digits")
            })
            .collect();
        assert_eq!(CheckDigit::detect(&valid[..19]), None);
        assert_eq!(CheckDigit::detect(&valid[..20]), Some(CheckDigit::Luhn));
        // Plain numbers: about a tenth keep Luhn, so a column of them keeps no scheme.
        let plain: Vec<String> = (0..200u64)
            .map(|i| format!("{}", 1_000_000 + i * 7_919))
            .collect();
        assert_eq!(CheckDigit::detect(&plain), None);
        let npis: Vec<String> = (0..30u64)
            .map(|i| {
                CheckDigit::Npi
                    .fix(&format!("{}", 1_000_000_000 + i * 104_729))
                    .expect("ten digits")
            })
            .collect();
        assert_eq!(CheckDigit::detect(&npis), Some(CheckDigit::Npi));
    }
}
