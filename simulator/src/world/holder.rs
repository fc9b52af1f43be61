//! The person behind an account: name, BVN, contact details, address.
//!
//! None of it is stored. It is regenerated on demand from the account's `profile` seed, so a
//! world of a million accounts costs a few dozen bytes per account, not a few hundred.

use std::sync::{Arc, OnceLock};

use rand::RngExt;

use super::random::{salt, stream};
use super::recent::Recent;

#[rustfmt::skip]
const FIRST_NAMES: &[(&str, Gender)] = &[
    ("Ada", Gender::Female), ("Adaeze", Gender::Female), ("Chinedu", Gender::Male), ("Babatunde", Gender::Male),
    ("Ngozi", Gender::Female), ("Emeka", Gender::Male), ("Funmilayo", Gender::Female),
    ("Bolanle", Gender::Female), ("Yusuf", Gender::Male), ("Aisha", Gender::Female),
    ("Ibrahim", Gender::Male), ("Kemi", Gender::Female), ("Segun", Gender::Male),
    ("Amaka", Gender::Female), ("Obinna", Gender::Male), ("Zainab", Gender::Female),
    ("Tolulope", Gender::Female), ("Femi", Gender::Male), ("Halima", Gender::Female),
    ("Uchenna", Gender::Male), ("Chiamaka", Gender::Female), ("Oluwaseun", Gender::Male),
    ("Blessing", Gender::Female), ("Musa", Gender::Male), ("Ifeoma", Gender::Female),
];

#[rustfmt::skip]
const LAST_NAMES: &[&str] = &[
    "Okafor", "Adeyemi", "Balogun", "Eze", "Okonkwo", "Bello", "Abubakar", "Nwosu", "Adebayo",
    "Ogunleye", "Mohammed", "Olawale", "Ibekwe", "Danjuma", "Akande", "Onyekachi", "Lawal",
    "Nnamdi", "Oyelaran", "Usman", "Chukwu", "Afolabi", "Garba", "Obi",
];

/// (street, area, city, state of origin, local government area of origin)
#[rustfmt::skip]
const PLACES: &[(&str, &str, &str, &str, &str)] = &[
    ("Adeola Odeku Street", "Victoria Island", "Lagos", "Lagos State", "Eti-Osa"),
    ("Admiralty Way", "Lekki Phase 1", "Lagos", "Lagos State", "Eti-Osa"),
    ("Allen Avenue", "Ikeja", "Lagos", "Lagos State", "Ikeja"),
    ("Herbert Macaulay Way", "Yaba", "Lagos", "Lagos State", "Lagos Mainland"),
    ("Aminu Kano Crescent", "Wuse II", "Abuja", "Federal Capital Territory", "Abuja Municipal"),
    ("Ogui Road", "Ogui", "Enugu", "Enugu State", "Enugu North"),
    ("Ring Road", "Oke-Ado", "Ibadan", "Oyo State", "Ibadan South-West"),
    ("Aba Road", "Rumuola", "Port Harcourt", "Rivers State", "Obio-Akpor"),
    ("Zoo Road", "Gyadi-Gyadi", "Kano", "Kano State", "Tarauni"),
    ("Uselu-Lagos Road", "Uselu", "Benin City", "Edo State", "Egor"),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gender {
    Female,
    Male,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Female => "Female",
            Gender::Male => "Male",
        }
    }
}

/// Everything Mono's identity endpoints return about the account holder.
#[derive(Clone, Debug)]
pub struct Holder {
    pub first_name: String,
    pub last_name: String,
    pub gender: Gender,
    /// `yyyy-mm-dd`
    pub dob: String,
    pub bvn: String,
    pub email: String,
    pub phone: String,
    pub marital_status: &'static str,
    pub address_line1: String,
    pub address_line2: String,
    pub state_of_origin: &'static str,
    pub lga_of_origin: &'static str,
    /// The 10-digit NUBAN account number.
    pub account_number: String,
}

/// What account details and balances show of the holder. Drawn first from the holder's
/// stream, so the hot endpoints can draw just this much.
///
/// Shared strings: a read of an account clones the kept summary, which then costs three
/// counts, not three allocations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    pub full_name: Arc<str>,
    pub account_number: Arc<str>,
    pub bvn: Arc<str>,
}

struct Basics {
    first_name: &'static str,
    last_name: &'static str,
    gender: Gender,
    account_number: u64,
    bvn: u64,
}

impl Basics {
    fn draw(rng: &mut impl rand::Rng) -> Basics {
        let (first_name, gender) = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
        Basics {
            first_name,
            last_name: LAST_NAMES[rng.random_range(0..LAST_NAMES.len())],
            gender,
            account_number: rng.random_range(0..10_000_000_000u64),
            bvn: rng.random_range(0..1_000_000_000u64),
        }
    }
}

fn account_number(n: u64) -> String {
    format!("{n:010}")
}

fn bvn(n: u64) -> String {
    format!("22{n:09}")
}

/// The last four digits of `bvn`, as Mono shows a BVN on account details and webhooks.
pub fn masked_bvn(bvn: &str) -> &str {
    &bvn[bvn.len().saturating_sub(4)..]
}

impl Summary {
    /// The last four digits, as Mono shows a BVN on account details and webhooks.
    pub fn masked_bvn(&self) -> &str {
        masked_bvn(&self.bvn)
    }

    /// The summary of the holder of `profile`, kept for the accounts read last (see
    /// `recent.rs`): every world draws it from the profile alone, so one store serves all.
    pub fn of(profile: u64) -> Summary {
        static RECENT: OnceLock<Recent<u64, Summary>> = OnceLock::new();
        RECENT
            .get_or_init(Recent::new)
            .get(profile, || Summary::generate(profile))
    }

    pub fn generate(profile: u64) -> Summary {
        let basics = Basics::draw(&mut stream(profile, salt::HOLDER, 0));
        Summary {
            full_name: format!("{} {}", basics.first_name, basics.last_name).into(),
            account_number: account_number(basics.account_number).into(),
            bvn: bvn(basics.bvn).into(),
        }
    }
}

impl Holder {
    pub fn generate(profile: u64) -> Holder {
        let mut rng = stream(profile, salt::HOLDER, 0);
        let Basics {
            first_name,
            last_name,
            gender,
            account_number: number,
            bvn: bvn_number,
        } = Basics::draw(&mut rng);
        let (street, area, city, state, lga) = PLACES[rng.random_range(0..PLACES.len())];
        let birth_year = rng.random_range(1960..=2004);
        let birth_month = rng.random_range(1..=12);
        let birth_day = rng.random_range(1..=28);
        let email_user = format!(
            "{}.{}{}",
            first_name.to_lowercase(),
            last_name.to_lowercase(),
            rng.random_range(1..100)
        );
        let provider = ["gmail.com", "yahoo.com", "outlook.com"][rng.random_range(0..3)];
        let phone_prefix = [
            "0803", "0806", "0813", "0816", "0703", "0706", "0805", "0807", "0809", "0810",
        ][rng.random_range(0..10)];
        Holder {
            first_name: first_name.to_string(),
            last_name: last_name.to_string(),
            gender,
            dob: format!("{birth_year:04}-{birth_month:02}-{birth_day:02}"),
            bvn: bvn(bvn_number),
            email: format!("{email_user}@{provider}"),
            phone: format!("{phone_prefix}{:07}", rng.random_range(0..10_000_000u64)),
            marital_status: ["Single", "Married"][rng.random_range(0..2)],
            address_line1: format!("{} {street}, {area}", rng.random_range(1..120)),
            address_line2: format!("{area}, {city}"),
            state_of_origin: state,
            lga_of_origin: lga,
            account_number: account_number(number),
        }
    }

    /// The same person under a chosen name (from a world file): the email follows the
    /// name, and so does the gender when the first name is one the generator knows.
    pub fn renamed(mut self, name: &str) -> Holder {
        let mut parts = name.split_whitespace();
        let first = parts.next().unwrap_or_default().to_string();
        let last = parts.collect::<Vec<_>>().join(" ");
        let (_, domain) = self.email.split_once('@').unwrap_or(("", "gmail.com"));
        let digits: String = self.email.chars().filter(char::is_ascii_digit).collect();
        let handle: String = format!("{first}.{last}")
            .to_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
            .collect();
        self.email = format!("{}{digits}@{domain}", handle.trim_matches('.'));
        if let Some((_, gender)) = FIRST_NAMES
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(&first))
        {
            self.gender = *gender;
        }
        self.first_name = first;
        self.last_name = last;
        self
    }

    /// The name as banks print it on the account: `ADAEZE OKAFOR`.
    pub fn account_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name).to_uppercase()
    }

    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_profile_gives_the_same_holder() {
        let a = Holder::generate(7);
        let b = Holder::generate(7);
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
        assert_ne!(format!("{a:?}"), format!("{:?}", Holder::generate(8)));
    }

    #[test]
    fn a_chosen_name_carries_into_email_and_gender() {
        let ada = Holder::generate(3).renamed("Ada Okafor");
        assert_eq!(ada.full_name(), "Ada Okafor");
        assert!(ada.email.starts_with("ada.okafor"), "{}", ada.email);
        assert_eq!(ada.gender, Gender::Female);
    }

    #[test]
    fn the_summary_agrees_with_the_full_holder() {
        for profile in 0..50 {
            let holder = Holder::generate(profile);
            let summary = Summary::generate(profile);
            assert_eq!(*summary.full_name, holder.full_name());
            assert_eq!(*summary.account_number, holder.account_number);
            assert_eq!(*summary.bvn, holder.bvn);
        }
    }

    #[test]
    fn numbers_have_nigerian_lengths() {
        for profile in 0..200 {
            let h = Holder::generate(profile);
            assert_eq!(h.bvn.len(), 11, "{}", h.bvn);
            assert_eq!(h.account_number.len(), 10);
            assert_eq!(h.phone.len(), 11);
        }
    }
}
