//! IPv4 addresses. A column of dotted quads drawn in the real ids' character shape had its
//! digits at random place by place, so an octet of three digits went up to 999: 1,539 of 3,000
//! synthetic users' addresses had an octet above 255 (`272.34.223.20`). Training finds a column
//! whose every real value is an address ([`Ipv4::learn`]); generation draws each octet whole
//! ([`Ipv4::draw`]), after the octets before it as the real addresses have them (a network's
//! prefix seen in at least the privacy threshold of rows), and never in a private or reserved
//! range the real addresses are not in.

use std::collections::BTreeMap;

use rand::RngExt;
use serde::{Deserialize, Serialize};

use super::check_digit::MIN_CHECKED;
use super::weighted::Weighted;
use crate::sampling::SynthRng;

/// How to draw the addresses of a column of IPv4 addresses.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ipv4 {
    /// For each run of leading octets seen in at least the privacy threshold of real addresses
    /// (the empty run first; sorted), the octets that follow it in at least that many.
    steps: Vec<Step>,
    /// Whether at least the privacy threshold of real addresses lie in a private or reserved
    /// range ([`RESERVED`]): fresh addresses may then do so too.
    reserved: bool,
}

/// The octets that follow one run of leading octets.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Step {
    prefix: Vec<u8>,
    /// The next octets seen after `prefix` in at least the privacy threshold of addresses.
    next: Weighted<u8>,
    /// The share of the addresses under `prefix` whose next octet is one of `next` (the others
    /// get a fresh octet).
    share: f64,
}

/// The ranges that are not public addresses (network, prefix length): this network, private
/// networks, shared address space, loopback, link-local, protocol assignments, documentation,
/// 6to4 relays, benchmarking, multicast and the reserved block up to the broadcast address.
const RESERVED: [(u32, u32); 15] = [
    (0x0000_0000, 8),
    (0x0A00_0000, 8),
    (0x6440_0000, 10),
    (0x7F00_0000, 8),
    (0xA9FE_0000, 16),
    (0xAC10_0000, 12),
    (0xC000_0000, 24),
    (0xC000_0200, 24),
    (0xC058_6300, 24),
    (0xC0A8_0000, 16),
    (0xC612_0000, 15),
    (0xC633_6400, 24),
    (0xCB00_7100, 24),
    (0xE000_0000, 4),
    (0xF000_0000, 4),
];

/// Draws of an address in a reserved range before one is kept anyway.
const REDRAWS: usize = 16;

impl Ipv4 {
    /// The addresses' octets by the octets before them, when every one of `values` (at least
    /// [`MIN_CHECKED`]) is an IPv4 address written as dotted decimals without leading zeros.
    pub fn learn<S: AsRef<str>>(values: &[S], min_count: usize) -> Option<Ipv4> {
        if values.len() < MIN_CHECKED {
            return None;
        }
        let addresses: Vec<[u8; 4]> = (values.iter())
            .map(|value| parse(value.as_ref()))
            .collect::<Option<_>>()?;
        let steps = (0..4)
            .flat_map(|depth| steps_at(&addresses, depth, min_count))
            .collect();
        let reserved = addresses.iter().filter(|a| is_reserved(**a)).count();
        Some(Ipv4 {
            steps,
            reserved: reserved >= min_count.max(1),
        })
    }

    /// A fresh address, drawn again a few times while it lies in a reserved range the real
    /// addresses are not in.
    pub fn draw(&self, rng: &mut SynthRng) -> String {
        let mut address = self.draw_once(rng);
        for _ in 0..REDRAWS {
            if self.reserved || !is_reserved(address) {
                break;
            }
            address = self.draw_once(rng);
        }
        let [a, b, c, d] = address;
        format!("{a}.{b}.{c}.{d}")
    }

    /// Octet by octet: one that followed the octets before it in real addresses, as often as
    /// they did, else a fresh one (a first octet below the multicast block).
    fn draw_once(&self, rng: &mut SynthRng) -> [u8; 4] {
        let mut octets = [0u8; 4];
        for place in 0..4 {
            let step = (self.steps)
                .binary_search_by(|step| step.prefix.as_slice().cmp(&octets[..place]))
                .ok()
                .map(|at| &self.steps[at]);
            octets[place] = match step {
                Some(step) if rng.random::<f64>() < step.share => *step.next.draw(rng),
                _ if place == 0 => rng.random_range(1..=223),
                _ => rng.random(),
            };
        }
        octets
    }

    /// Whether it can be drawn from: steps sorted by prefix, each of fewer than four octets,
    /// drawable, with a share that is one.
    pub fn check(&self) -> bool {
        self.steps
            .windows(2)
            .all(|pair| pair[0].prefix < pair[1].prefix)
            && self.steps.iter().all(|step| {
                step.prefix.len() < 4 && step.next.check() && (0.0..=1.0).contains(&step.share)
            })
    }
}

/// The steps from the runs of `depth` leading octets (sorted by run) seen in at least
/// `min_count` addresses, with the next octets seen after them as often.
fn steps_at(addresses: &[[u8; 4]], depth: usize, min_count: usize) -> Vec<Step> {
    let mut runs: BTreeMap<&[u8], Vec<u8>> = BTreeMap::new();
    for address in addresses {
        runs.entry(&address[..depth])
            .or_default()
            .push(address[depth]);
    }
    (runs.into_iter())
        .filter(|(_, next)| next.len() >= min_count)
        .filter_map(|(prefix, next)| {
            let under = next.len() as f64;
            let next = Weighted::frequent(next.into_iter(), min_count)?;
            Some(Step {
                prefix: prefix.to_vec(),
                share: next.total() / under,
                next,
            })
        })
        .collect()
}

/// The octets of an address written `a.b.c.d` (decimals of at most three digits, no leading
/// zero, at most 255).
fn parse(value: &str) -> Option<[u8; 4]> {
    let mut octets = [0u8; 4];
    let mut parts = value.split('.');
    for octet in &mut octets {
        let part = parts.next()?;
        let digits = part.len() <= 3 && part.bytes().all(|b| b.is_ascii_digit());
        if !digits || part.is_empty() || (part.len() > 1 && part.starts_with('0')) {
            return None;
        }
        *octet = part.parse().ok()?;
    }
    parts.next().is_none().then_some(octets)
}

/// Whether an address lies in one of the [`RESERVED`] ranges.
fn is_reserved(address: [u8; 4]) -> bool {
    let address = u32::from_be_bytes(address);
    (RESERVED.iter()).any(|&(network, length)| address >> (32 - length) == network >> (32 - length))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_columns_of_dotted_quads_are_addresses() {
        assert_eq!(parse("175.148.76.156"), Some([175, 148, 76, 156]));
        assert_eq!(parse("0.0.0.0"), Some([0; 4]));
        for bad in [
            "256.1.1.1",
            "1.2.3",
            "1.2.3.4.5",
            "01.2.3.4",
            "1.2.3.",
            "a.b.c.d",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        let addresses: Vec<String> = (0..30).map(|i| format!("8.8.{i}.1")).collect();
        assert!(Ipv4::learn(&addresses, 5).is_some());
        assert!(
            Ipv4::learn(&addresses[..19], 5).is_none(),
            "too few to tell"
        );
        let mut mixed = addresses.clone();
        mixed.push("300.1.1.1".into());
        assert!(Ipv4::learn(&mixed, 5).is_none());
        assert!(is_reserved([10, 1, 2, 3]) && is_reserved([172, 31, 0, 1]));
        assert!(is_reserved([192, 168, 0, 1]) && is_reserved([224, 0, 0, 1]));
        assert!(!is_reserved([172, 32, 0, 1]) && !is_reserved([8, 8, 8, 8]));
    }

    /// Planted: public addresses whose first octet is one of five, each in 100 rows, beside
    /// 12 rarer ones (one row each): drawn addresses are valid and public, their first octets
    /// mostly the five in their shares, and no rarer real one is kept.
    #[test]
    fn drawn_addresses_are_public_with_the_real_first_octets() {
        let mut rng = crate::sampling::rng_for(3, "planted addresses");
        let firsts = [23u8, 45, 81, 151, 203];
        let mut values: Vec<String> = (0..500)
            .map(|i| {
                let (b, c, d): (u8, u8, u8) = (rng.random(), rng.random(), rng.random());
                format!("{}.{b}.{c}.{d}", firsts[i % 5])
            })
            .collect();
        values.extend((0..12).map(|i| format!("{}.1.2.3", 100 + i)));
        let model = Ipv4::learn(&values, 5).expect("every value is an address");
        assert!(model.check() && !model.reserved);
        let mut rng = crate::sampling::rng_for(3, "drawn addresses");
        let drawn: Vec<String> = (0..5_000).map(|_| model.draw(&mut rng)).collect();
        let parsed: Vec<[u8; 4]> = drawn.iter().filter_map(|ip| parse(ip)).collect();
        assert_eq!(parsed.len(), drawn.len(), "every octet 0-255");
        assert!(parsed.iter().all(|a| !is_reserved(*a)), "public only");
        for first in firsts {
            let n = parsed.iter().filter(|a| a[0] == first).count();
            assert!((900..1_050).contains(&n), "{first}: {n} of 5,000");
        }
        let rare = parsed.iter().filter(|a| (100..112).contains(&a[0])).count();
        assert!(rare < 40, "rare first octets are fresh ones: {rare}");
        let fours: std::collections::HashSet<u8> = parsed.iter().map(|a| a[3]).collect();
        assert!(fours.len() > 200, "the last octet takes all values");
    }

    /// An id column of addresses is drawn as addresses, and no real one is replayed: drawn in
    /// the character shape, half the addresses had an octet above 255.
    #[test]
    fn id_shapes_of_addresses_draw_addresses() {
        let mut rng = crate::sampling::rng_for(5, "planted ids");
        let real: Vec<String> = (0..3_000)
            .map(|_| {
                let octets: [u8; 4] = [rng.random_range(1..224), rng.random(), rng.random(), 1];
                let [a, b, c, d] = octets;
                format!("{a}.{b}.{c}.{d}")
            })
            .collect();
        let shape = super::super::marginal::IdShape::learn(
            real.iter().map(|ip| std::sync::Arc::from(ip.as_str())),
            5,
        );
        assert!(shape.check());
        let real: std::collections::HashSet<&str> = real.iter().map(String::as_str).collect();
        let mut rng = crate::sampling::rng_for(5, "drawn ids");
        for _ in 0..3_000 {
            let ip = shape.draw(&mut rng);
            assert!(parse(&ip).is_some(), "{ip}");
            assert!(!real.contains(&*ip), "{ip} is a real address");
        }
    }

    /// Planted: an office network (`10.20.x.y`, every address private): the private prefix is
    /// kept, as the real data has it.
    #[test]
    fn a_private_network_is_kept() {
        let values: Vec<String> = (0..200)
            .map(|i| format!("10.20.{}.{}", i % 4, i + 1))
            .collect();
        let model = Ipv4::learn(&values, 5).expect("addresses");
        assert!(model.reserved);
        let mut rng = crate::sampling::rng_for(4, "office");
        for _ in 0..200 {
            let ip = model.draw(&mut rng);
            let a = parse(&ip).expect("valid");
            assert_eq!((a[0], a[1]), (10, 20), "{ip}");
            assert!(a[2] < 4, "{ip}: third octets seen");
        }
    }
}
