//! Countries and the locales that go with them: name lists (the `fake` crate's public lists;
//! English names from [`super::gendered`] and [`super::surnames`], Spanish, Italian and German
//! ones from [`super::bundled`], as `fake` has no Spanish and narrow Italian and German ones),
//! calling codes and mail providers, so a Brazilian customer gets a Brazilian name, a Mexican
//! one a Spanish name, an Italian one one of 500 Italian family names (not `fake`'s 49), and a
//! French phone number starts with +33.

use std::sync::LazyLock;

use fake::locales::{CY_GB, DE_DE, Data, EN, FR_FR, IT_IT, JA_JP, NL_NL, PT_BR, PT_PT, ZH_CN};

/// A locale whose name lists the generators draw from (in a model file: the frequent names of
/// each locale's rows, since format 62).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Locale {
    /// English (the default).
    En,
    /// French.
    Fr,
    /// German.
    De,
    /// Brazilian Portuguese.
    PtBr,
    /// European Portuguese.
    Pt,
    /// Italian.
    It,
    /// Dutch.
    Nl,
    /// Welsh / British.
    CyGb,
    /// Japanese (not Latin script).
    Ja,
    /// Chinese (not Latin script).
    Zh,
    /// Spanish (names of [`super::bundled`]; the rest English).
    Es,
}

/// The public lists of a locale, every value trimmed ([`Locale::lists`]).
pub struct Lists {
    /// Given names.
    pub first: Vec<&'static str>,
    /// Family names.
    pub last: Vec<&'static str>,
    /// Free mail providers (`gmail.com`).
    pub mail: Vec<&'static str>,
    /// Street suffixes (`Street`, `Rua`).
    pub street: Vec<&'static str>,
    /// Legal forms of companies (`GmbH`, `S.p.A.`, `and Sons`).
    pub company: Vec<&'static str>,
    /// Templates of company names (`{Name_1} and {Name_2} {Suffix}`).
    pub company_shapes: Vec<&'static str>,
}

/// A list's values without the spaces and tabs around them (empty ones dropped): `fake`
/// 5.1.0's Italian family names hold `Ricci\t`, and a tab ended 6 and 5 of 3,000 users' full
/// names of a SaaS copy (seeds 1 and 2), which a reader of the CSV does not see.
fn trimmed(list: &[&'static str]) -> Vec<&'static str> {
    list.iter()
        .map(|value| value.trim())
        .filter(|value| !value.is_empty())
        .collect()
}

macro_rules! lists {
    ($locale:ty) => {
        Lists {
            first: trimmed(<$locale as Data>::NAME_FIRST_NAME),
            last: trimmed(<$locale as Data>::NAME_LAST_NAME),
            mail: trimmed(<$locale as Data>::INTERNET_FREE_EMAIL_PROVIDER),
            street: trimmed(<$locale as Data>::ADDRESS_STREET_SUFFIX),
            company: trimmed(<$locale as Data>::COMPANY_SUFFIX),
            company_shapes: trimmed(<$locale as Data>::COMPANY_NAME_TPLS),
        }
    };
}

/// Every locale's lists, in [`Locale::ALL`] order, read (and trimmed) once.
static LISTS: LazyLock<Vec<Lists>> = LazyLock::new(|| {
    Locale::ALL
        .iter()
        .map(|locale| locale.read_lists())
        .collect()
});

impl Locale {
    /// Every locale, for what is learned across all of them (the street suffixes of every
    /// language); `every_locale_is_listed` keeps it in step with the enum.
    pub const ALL: [Locale; 11] = [
        Locale::En,
        Locale::Fr,
        Locale::De,
        Locale::PtBr,
        Locale::Pt,
        Locale::It,
        Locale::Nl,
        Locale::CyGb,
        Locale::Ja,
        Locale::Zh,
        Locale::Es,
    ];

    /// The locale's lists, every value trimmed.
    pub fn lists(self) -> &'static Lists {
        // `ALL` lists the variants in declaration order (`every_locale_is_listed`).
        &LISTS[self as usize]
    }

    /// The locale's lists as the crates hold them, trimmed.
    fn read_lists(self) -> Lists {
        match self {
            // Common names in place of `fake`'s long lists of rare ones.
            Locale::En => Lists {
                first: trimmed(super::gendered::EITHER.as_slice()),
                last: trimmed(super::surnames::SURNAMES),
                ..lists!(EN)
            },
            Locale::Fr => lists!(FR_FR),
            // Names of dxsynth's own (`fake` has 49 Italian and 114 German family names),
            // the rest `fake`'s.
            Locale::De => Lists {
                first: super::bundled::GERMAN.either.clone(),
                last: super::bundled::GERMAN.surnames.clone(),
                ..lists!(DE_DE)
            },
            Locale::PtBr => lists!(PT_BR),
            Locale::Pt => lists!(PT_PT),
            Locale::It => Lists {
                first: super::bundled::ITALIAN.either.clone(),
                last: super::bundled::ITALIAN.surnames.clone(),
                ..lists!(IT_IT)
            },
            Locale::Nl => lists!(NL_NL),
            Locale::CyGb => lists!(CY_GB),
            Locale::Ja => lists!(JA_JP),
            Locale::Zh => lists!(ZH_CN),
            // Names only: streets, companies and mail providers stay English, as they were
            // for these rows before Spanish names were listed.
            Locale::Es => Lists {
                first: super::bundled::SPANISH.either.clone(),
                last: super::bundled::SPANISH.surnames.clone(),
                ..lists!(EN)
            },
        }
    }

    /// Mail providers of the locale (the English list where the locale has none of its own).
    pub fn mail(self) -> &'static [&'static str] {
        match self {
            Locale::Fr | Locale::De | Locale::PtBr | Locale::It | Locale::Nl => &self.lists().mail,
            _ => &Locale::En.lists().mail,
        }
    }

    /// The given names of the locale's women (or men), for a row whose title says its gender:
    /// the Spanish, Italian or German lists, else the English ones (`fake`'s lists do not say
    /// a name's gender).
    pub fn gendered(self, women: bool) -> &'static [&'static str] {
        let names: &'static super::bundled::Names = match self {
            Locale::Es => &super::bundled::SPANISH,
            Locale::It => &super::bundled::ITALIAN,
            Locale::De => &super::bundled::GERMAN,
            _ if women => return super::gendered::WOMEN,
            _ => return super::gendered::MEN,
        };
        match women {
            true => &names.women,
            false => &names.men,
        }
    }

    /// Whether its names are written in Latin script (a column of ASCII names keeps to those).
    pub fn latin(self) -> bool {
        !matches!(self, Locale::Ja | Locale::Zh)
    }
}

/// A country: its names (upper case), ISO code, calling code and locale.
pub struct Country {
    /// Names and codes it is written as, upper case.
    pub names: &'static [&'static str],
    /// The international calling code.
    pub calling_code: &'static str,
    /// The locale of its people's names.
    pub locale: Locale,
}

/// Countries the generators know (others get English names and no calling code).
pub const COUNTRIES: &[Country] = &[
    Country {
        names: &[
            "UNITED STATES",
            "USA",
            "US",
            "UNITED STATES OF AMERICA",
            "AMERICA",
        ],
        calling_code: "1",
        locale: Locale::En,
    },
    Country {
        names: &["CANADA", "CA"],
        calling_code: "1",
        locale: Locale::En,
    },
    Country {
        names: &[
            "UNITED KINGDOM",
            "UK",
            "GB",
            "GREAT BRITAIN",
            "ENGLAND",
            "WALES",
            "SCOTLAND",
        ],
        calling_code: "44",
        locale: Locale::En,
    },
    Country {
        names: &["IRELAND", "IE"],
        calling_code: "353",
        locale: Locale::En,
    },
    Country {
        names: &["AUSTRALIA", "AU"],
        calling_code: "61",
        locale: Locale::En,
    },
    Country {
        names: &["NEW ZEALAND", "NZ"],
        calling_code: "64",
        locale: Locale::En,
    },
    Country {
        names: &["FRANCE", "FR"],
        calling_code: "33",
        locale: Locale::Fr,
    },
    Country {
        names: &["BELGIUM", "BE"],
        calling_code: "32",
        locale: Locale::Fr,
    },
    Country {
        names: &["SWITZERLAND", "CH"],
        calling_code: "41",
        locale: Locale::De,
    },
    Country {
        names: &["GERMANY", "DE", "DEUTSCHLAND"],
        calling_code: "49",
        locale: Locale::De,
    },
    Country {
        names: &["AUSTRIA", "AT"],
        calling_code: "43",
        locale: Locale::De,
    },
    Country {
        names: &["BRAZIL", "BR", "BRASIL"],
        calling_code: "55",
        locale: Locale::PtBr,
    },
    Country {
        names: &["PORTUGAL", "PT"],
        calling_code: "351",
        locale: Locale::Pt,
    },
    Country {
        names: &["MOZAMBIQUE", "MZ"],
        calling_code: "258",
        locale: Locale::Pt,
    },
    Country {
        names: &["ANGOLA", "AO"],
        calling_code: "244",
        locale: Locale::Pt,
    },
    Country {
        names: &["ITALY", "IT", "ITALIA"],
        calling_code: "39",
        locale: Locale::It,
    },
    Country {
        names: &["NETHERLANDS", "NL", "HOLLAND"],
        calling_code: "31",
        locale: Locale::Nl,
    },
    Country {
        names: &["JAPAN", "JP"],
        calling_code: "81",
        locale: Locale::Ja,
    },
    Country {
        names: &["CHINA", "CN"],
        calling_code: "86",
        locale: Locale::Zh,
    },
    Country {
        names: &["SPAIN", "ES", "ESPAÑA", "ESPANA"],
        calling_code: "34",
        locale: Locale::Es,
    },
    Country {
        names: &["MEXICO", "MX", "MÉXICO"],
        calling_code: "52",
        locale: Locale::Es,
    },
    Country {
        names: &["ARGENTINA", "AR"],
        calling_code: "54",
        locale: Locale::Es,
    },
    Country {
        names: &["PERU", "PE", "PERÚ"],
        calling_code: "51",
        locale: Locale::Es,
    },
    Country {
        names: &["CHILE", "CL"],
        calling_code: "56",
        locale: Locale::Es,
    },
    Country {
        names: &["COLOMBIA", "CO"],
        calling_code: "57",
        locale: Locale::Es,
    },
    Country {
        names: &["VENEZUELA", "VE"],
        calling_code: "58",
        locale: Locale::Es,
    },
    Country {
        names: &["ECUADOR", "EC"],
        calling_code: "593",
        locale: Locale::Es,
    },
    Country {
        names: &["GUATEMALA", "GT"],
        calling_code: "502",
        locale: Locale::Es,
    },
    Country {
        names: &["CUBA", "CU"],
        calling_code: "53",
        locale: Locale::Es,
    },
    Country {
        names: &["BOLIVIA", "BO"],
        calling_code: "591",
        locale: Locale::Es,
    },
    Country {
        names: &["DOMINICAN REPUBLIC", "DO"],
        calling_code: "1",
        locale: Locale::Es,
    },
    Country {
        names: &["HONDURAS", "HN"],
        calling_code: "504",
        locale: Locale::Es,
    },
    Country {
        names: &["PARAGUAY", "PY"],
        calling_code: "595",
        locale: Locale::Es,
    },
    Country {
        names: &["EL SALVADOR", "SV"],
        calling_code: "503",
        locale: Locale::Es,
    },
    Country {
        names: &["NICARAGUA", "NI"],
        calling_code: "505",
        locale: Locale::Es,
    },
    Country {
        names: &["COSTA RICA", "CR"],
        calling_code: "506",
        locale: Locale::Es,
    },
    Country {
        names: &["PANAMA", "PA", "PANAMÁ"],
        calling_code: "507",
        locale: Locale::Es,
    },
    Country {
        names: &["URUGUAY", "UY"],
        calling_code: "598",
        locale: Locale::Es,
    },
    Country {
        names: &["INDIA", "IN"],
        calling_code: "91",
        locale: Locale::En,
    },
    Country {
        names: &["INDONESIA", "ID"],
        calling_code: "62",
        locale: Locale::En,
    },
    Country {
        names: &["VIETNAM", "VN", "VIET NAM"],
        calling_code: "84",
        locale: Locale::En,
    },
    Country {
        names: &["RUSSIA", "RU", "RUSSIAN FEDERATION"],
        calling_code: "7",
        locale: Locale::En,
    },
    Country {
        names: &["ROMANIA", "RO"],
        calling_code: "40",
        locale: Locale::En,
    },
    Country {
        names: &["ALGERIA", "DZ"],
        calling_code: "213",
        locale: Locale::Fr,
    },
    Country {
        names: &["MOROCCO", "MA"],
        calling_code: "212",
        locale: Locale::Fr,
    },
    Country {
        names: &["EGYPT", "EG"],
        calling_code: "20",
        locale: Locale::En,
    },
    Country {
        names: &["ETHIOPIA", "ET"],
        calling_code: "251",
        locale: Locale::En,
    },
    Country {
        names: &["KENYA", "KE"],
        calling_code: "254",
        locale: Locale::En,
    },
    Country {
        names: &["IRAN", "IR"],
        calling_code: "98",
        locale: Locale::En,
    },
    Country {
        names: &["IRAQ", "IQ"],
        calling_code: "964",
        locale: Locale::En,
    },
    Country {
        names: &["JORDAN", "JO"],
        calling_code: "962",
        locale: Locale::En,
    },
    Country {
        names: &["SAUDI ARABIA", "SA"],
        calling_code: "966",
        locale: Locale::En,
    },
];

/// The country a value names (case and surrounding spaces ignored).
pub fn country(value: &str) -> Option<&'static Country> {
    let wanted = value.trim().to_uppercase();
    COUNTRIES
        .iter()
        .find(|country| country.names.contains(&wanted.as_str()))
}

/// A name as it may appear in an e-mail address: accents dropped, only letters and digits.
pub fn mail_form(name: &str) -> String {
    deunicode::deunicode(name)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_locale_is_listed() {
        // A new variant fails to compile here until it is given a place in `ALL`.
        let place = |locale: Locale| match locale {
            Locale::En => 0,
            Locale::Fr => 1,
            Locale::De => 2,
            Locale::PtBr => 3,
            Locale::Pt => 4,
            Locale::It => 5,
            Locale::Nl => 6,
            Locale::CyGb => 7,
            Locale::Ja => 8,
            Locale::Zh => 9,
            Locale::Es => 10,
        };
        for (index, &locale) in Locale::ALL.iter().enumerate() {
            assert_eq!(place(locale), index, "{locale:?}");
            // `Locale::lists` finds a locale's lists by its discriminant.
            assert_eq!(locale as usize, index, "{locale:?}");
        }
    }

    /// `fake`'s Italian family names hold `Ricci\t`: every value of every list is trimmed,
    /// and no list is left empty (a draw from it would panic).
    #[test]
    fn list_values_have_no_surrounding_whitespace() {
        let mut values = 0;
        for locale in Locale::ALL {
            let lists = locale.lists();
            let all = [
                &lists.first,
                &lists.last,
                &lists.mail,
                &lists.street,
                &lists.company,
                &lists.company_shapes,
            ];
            for list in all {
                assert!(!list.is_empty(), "{locale:?}: an empty list");
                for value in list {
                    assert_eq!(*value, value.trim(), "{locale:?}: `{value:?}`");
                    assert!(!value.is_empty(), "{locale:?}: an empty value");
                    values += 1;
                }
            }
        }
        assert!(values > 1_000, "{values} values looked at");
        // Italian names are dxsynth's own now; `fake`'s list is still read through `trimmed`.
        let fake_italian = trimmed(<IT_IT as Data>::NAME_LAST_NAME);
        assert!(fake_italian.contains(&"Ricci"), "trimmed, kept");
        assert!(!fake_italian.contains(&"Ricci\t"));
    }

    #[test]
    fn countries_are_found_by_name_or_code() {
        assert_eq!(country(" brazil ").map(|c| c.locale), Some(Locale::PtBr));
        assert_eq!(country("FR").map(|c| c.calling_code), Some("33"));
        assert!(country("ATLANTIS").is_none());
        assert!(
            Locale::PtBr.lists().first.contains(&"Joaquim")
                || !Locale::PtBr.lists().first.is_empty()
        );
        assert_eq!(mail_form("João d'Ávila"), "JoaodAvila");
    }
}
