//! The catalogue of institutions a simulated customer can link.
//!
//! Names, CBN bank codes and `institution.type` are those of real Nigerian banks and
//! fintechs. Which MFA challenge each one puts up is our choice \[inferred\]: banks differ,
//! and Mono does not publish it, so the catalogue spreads the four kinds across it so every
//! kind is reachable by picking an institution. A world file or scenario can override the
//! MFA per account.

use serde::{Deserialize, Serialize};

/// `institution.type` in Mono's payloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InstitutionType {
    PersonalBanking,
    BusinessBanking,
    PaymentGateway,
}

/// How the customer logs in to the bank; `meta.auth_method` in Mono's payloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    InternetBanking,
    MobileBanking,
}

impl AuthMethod {
    /// Every method, for value lists (scenario schemas, diagnostics).
    pub const ALL: [AuthMethod; 2] = [AuthMethod::InternetBanking, AuthMethod::MobileBanking];

    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::InternetBanking => "internet_banking",
            AuthMethod::MobileBanking => "mobile_banking",
        }
    }
}

/// The second factor the bank asks for at login. An account whose bank asks for one has a
/// bank session that expires, which is what makes re-authorisation necessary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mfa {
    None,
    Otp,
    SecurityQuestion,
    Token,
}

impl Mfa {
    /// Every kind, for value lists (scenario schemas, diagnostics).
    pub const ALL: [Mfa; 4] = [Mfa::None, Mfa::Otp, Mfa::SecurityQuestion, Mfa::Token];

    pub fn as_str(self) -> &'static str {
        match self {
            Mfa::None => "none",
            Mfa::Otp => "otp",
            Mfa::SecurityQuestion => "security_question",
            Mfa::Token => "token",
        }
    }
}

#[derive(Debug)]
pub struct Institution {
    /// Short name used in world files, scenarios and the CLI (`gtbank`).
    pub slug: &'static str,
    /// The display name Mono returns in `institution.name`.
    pub name: &'static str,
    /// The CBN / NIBSS bank code (`institution.bankCode`, v2 `bank_code`).
    pub bank_code: &'static str,
    pub kind: InstitutionType,
    pub auth_methods: &'static [AuthMethod],
    pub mfa: Mfa,
}

use AuthMethod::{InternetBanking as IB, MobileBanking as MB};

#[rustfmt::skip]
pub static CATALOGUE: &[Institution] = &[
    Institution { slug: "gtbank", name: "GTBank", bank_code: "058", kind: InstitutionType::PersonalBanking, auth_methods: &[IB, MB], mfa: Mfa::Otp },
    Institution { slug: "access", name: "Access Bank", bank_code: "044", kind: InstitutionType::PersonalBanking, auth_methods: &[IB, MB], mfa: Mfa::Otp },
    Institution { slug: "zenith", name: "Zenith Bank", bank_code: "057", kind: InstitutionType::PersonalBanking, auth_methods: &[IB, MB], mfa: Mfa::Token },
    Institution { slug: "firstbank", name: "First Bank of Nigeria", bank_code: "011", kind: InstitutionType::PersonalBanking, auth_methods: &[IB, MB], mfa: Mfa::SecurityQuestion },
    Institution { slug: "uba", name: "United Bank for Africa", bank_code: "033", kind: InstitutionType::PersonalBanking, auth_methods: &[IB, MB], mfa: Mfa::Otp },
    Institution { slug: "fidelity", name: "Fidelity Bank", bank_code: "070", kind: InstitutionType::PersonalBanking, auth_methods: &[IB, MB], mfa: Mfa::SecurityQuestion },
    Institution { slug: "fcmb", name: "First City Monument Bank", bank_code: "214", kind: InstitutionType::PersonalBanking, auth_methods: &[IB, MB], mfa: Mfa::Token },
    Institution { slug: "stanbic", name: "Stanbic IBTC Bank", bank_code: "221", kind: InstitutionType::PersonalBanking, auth_methods: &[IB], mfa: Mfa::Token },
    Institution { slug: "sterling", name: "Sterling Bank", bank_code: "232", kind: InstitutionType::PersonalBanking, auth_methods: &[MB], mfa: Mfa::Otp },
    Institution { slug: "union", name: "Union Bank of Nigeria", bank_code: "032", kind: InstitutionType::PersonalBanking, auth_methods: &[IB, MB], mfa: Mfa::None },
    Institution { slug: "wema", name: "Wema Bank", bank_code: "035", kind: InstitutionType::PersonalBanking, auth_methods: &[MB], mfa: Mfa::Otp },
    Institution { slug: "ecobank", name: "Ecobank Nigeria", bank_code: "050", kind: InstitutionType::PersonalBanking, auth_methods: &[IB, MB], mfa: Mfa::None },
    Institution { slug: "polaris", name: "Polaris Bank", bank_code: "076", kind: InstitutionType::PersonalBanking, auth_methods: &[IB, MB], mfa: Mfa::SecurityQuestion },
    Institution { slug: "providus", name: "Providus Bank", bank_code: "101", kind: InstitutionType::PersonalBanking, auth_methods: &[IB], mfa: Mfa::None },
    Institution { slug: "kuda", name: "Kuda Bank", bank_code: "50211", kind: InstitutionType::PersonalBanking, auth_methods: &[MB], mfa: Mfa::Otp },
    Institution { slug: "moniepoint", name: "Moniepoint MFB", bank_code: "50515", kind: InstitutionType::PersonalBanking, auth_methods: &[MB], mfa: Mfa::Otp },
    Institution { slug: "opay", name: "OPay", bank_code: "999992", kind: InstitutionType::PersonalBanking, auth_methods: &[MB], mfa: Mfa::None },
    Institution { slug: "gtbank-business", name: "GTBank Business", bank_code: "058", kind: InstitutionType::BusinessBanking, auth_methods: &[IB], mfa: Mfa::Token },
    Institution { slug: "zenith-business", name: "Zenith Bank Business", bank_code: "057", kind: InstitutionType::BusinessBanking, auth_methods: &[IB], mfa: Mfa::Token },
];

/// Index into [`CATALOGUE`] of the institution with this slug, bank name or bank code
/// (personal banking preferred when a code is shared).
pub fn find(name: &str) -> Option<usize> {
    let wanted = name.trim();
    CATALOGUE
        .iter()
        .position(|i| i.slug.eq_ignore_ascii_case(wanted) || i.name.eq_ignore_ascii_case(wanted))
        .or_else(|| CATALOGUE.iter().position(|i| i.bank_code == wanted))
}

/// The slugs, for "expected one of …" hints.
pub fn slugs() -> Vec<&'static str> {
    CATALOGUE.iter().map(|i| i.slug).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_has_at_least_ten_institutions_with_unique_slugs() {
        assert!(CATALOGUE.len() >= 10);
        let mut slugs = slugs();
        slugs.sort();
        slugs.dedup();
        assert_eq!(slugs.len(), CATALOGUE.len());
    }

    #[test]
    fn every_mfa_kind_is_reachable_from_some_institution() {
        for mfa in [Mfa::None, Mfa::Otp, Mfa::SecurityQuestion, Mfa::Token] {
            assert!(CATALOGUE.iter().any(|i| i.mfa == mfa), "{mfa:?}");
        }
    }

    #[test]
    fn institutions_are_found_by_slug_name_or_code() {
        assert_eq!(CATALOGUE[find("gtbank").unwrap()].name, "GTBank");
        assert_eq!(CATALOGUE[find("Zenith Bank").unwrap()].slug, "zenith");
        assert_eq!(CATALOGUE[find("058").unwrap()].slug, "gtbank");
        assert_eq!(find("bank of narnia"), None);
    }
}
