//! A parsed command: its path and option values, checked against the command table; and the typed inputs
//! the handlers read them through. Each command declares its input with [`input!`](crate::app::args::input):
//! one field per option, named like the option, converted once by [`FromArg`] (or a conversion given with
//! the field), so no handler reads an option by name.

use super::spec::{CommandSpec, Kind};
use super::{AppError, AppResult};
use crate::domain::{
    parse_bool as parse_bool_text, parse_date, parse_number, snippet, DigestKind, Hours,
    OutcomeKind, PartnerName, PartnerType, Quarter, Stage, TextRule, Verdict, Week,
};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// An option value as a front end delivers it.
#[derive(Debug, Clone, PartialEq)]
pub enum ArgValue {
    /// Everything but files, as text (Discord numbers and booleans are converted to text).
    Text(String),
    /// An uploaded file (Discord attachment) or a file read by the console.
    File { name: String, bytes: Vec<u8> },
}

/// One command call: `/evidence add partner:"Acme" trait:"Overlap" value:31`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Invocation {
    pub path: Vec<String>,
    pub args: BTreeMap<String, ArgValue>,
}

/// The most characters any non-text option value may have.
const MAX_OTHER: usize = 200;

/// A boolean as users type it ([`crate::domain::parse_bool`]). `name` names the option or column in the error.
pub fn parse_bool(text: &str, name: &str) -> AppResult<bool> {
    parse_bool_text(text).ok_or_else(|| {
        AppError::user(format!(
            "`{name}` is true or false, not `{}`",
            snippet(&text.trim().to_ascii_lowercase())
        ))
    })
}

impl Invocation {
    pub fn new(path: &[&str]) -> Invocation {
        Invocation {
            path: path.iter().map(|s| s.to_string()).collect(),
            args: BTreeMap::new(),
        }
    }

    /// Builder: add a text option.
    pub fn with(mut self, name: &str, value: impl Into<String>) -> Invocation {
        self.args
            .insert(name.to_string(), ArgValue::Text(value.into()));
        self
    }

    /// `evidence add` — the name used in JSON output.
    pub fn command_name(&self) -> String {
        self.path.join(" ").to_lowercase()
    }

    /// Refuse unknown options (suggesting the closest), missing required ones and oversized values.
    pub fn check_against(&self, spec: &CommandSpec) -> AppResult<()> {
        for (name, value) in &self.args {
            let Some(opt) = spec.option(name) else {
                let names: Vec<&str> = spec.options.iter().map(|o| o.name).collect();
                let hint = super::lookup::closest(name, names.iter().copied())
                    .map(|c| format!(" Did you mean `{c}`?"))
                    .unwrap_or_default();
                let known = if names.is_empty() {
                    "it takes no options".to_string()
                } else {
                    format!("its options are {}", names.join(", "))
                };
                return Err(AppError::user(format!(
                    "/{} has no option `{}`: {known}.{hint}",
                    spec.name(),
                    snippet(name)
                )));
            };
            if let ArgValue::Text(t) = value {
                let max = match opt.kind {
                    Kind::Text { max, .. } => max,
                    _ => MAX_OTHER,
                };
                let n = t.chars().count();
                if n > max {
                    return Err(AppError::user(format!(
                        "`{name}` takes at most {max} characters (got {n}). Shorten it and try again."
                    )));
                }
            }
        }
        let missing: Vec<&str> = spec
            .options
            .iter()
            .filter(|o| o.required && !self.args.contains_key(o.name))
            .map(|o| o.name)
            .collect();
        if !missing.is_empty() {
            let usage: Vec<String> = spec
                .options
                .iter()
                .map(|o| {
                    if o.required {
                        format!("{}:…", o.name)
                    } else {
                        format!("[{}:…]", o.name)
                    }
                })
                .collect();
            return Err(AppError::user(format!(
                "/{} needs {}. Usage: /{} {}",
                spec.name(),
                missing
                    .iter()
                    .map(|m| format!("`{m}`"))
                    .collect::<Vec<_>>()
                    .join(" and "),
                spec.name(),
                usage.join(" ")
            )));
        }
        Ok(())
    }

    fn raw(&self, name: &str) -> Option<&str> {
        match self.args.get(name) {
            Some(ArgValue::Text(t)) => Some(t.as_str()),
            _ => None,
        }
    }

    /// A required text option (trimmed, not empty).
    pub fn text(&self, name: &str) -> AppResult<&str> {
        self.opt_text(name)
            .ok_or_else(|| AppError::user(format!("`{name}` cannot be empty")))
    }

    /// An optional text option; empty means absent.
    pub fn opt_text(&self, name: &str) -> Option<&str> {
        self.raw(name).map(str::trim).filter(|t| !t.is_empty())
    }

    pub fn opt_bool(&self, name: &str) -> AppResult<Option<bool>> {
        self.opt_text(name).map(|t| parse_bool(t, name)).transpose()
    }

    pub fn opt_number(&self, name: &str) -> AppResult<Option<f64>> {
        self.opt_text(name)
            .map(|t| parse_number(t, &format!("`{name}`")))
            .transpose()
            .map_err(AppError::from)
    }

    pub fn int(&self, name: &str) -> AppResult<i64> {
        let t = self.text(name)?;
        t.parse::<i64>().ok().filter(|v| *v > 0).ok_or_else(|| {
            AppError::user(format!(
                "`{name}` is a record number like 42, not `{}`",
                snippet(t)
            ))
        })
    }

    pub fn opt_date(&self, name: &str) -> AppResult<Option<NaiveDate>> {
        self.opt_text(name)
            .map(parse_date)
            .transpose()
            .map_err(AppError::from)
    }

    pub fn partner_type(&self, name: &str) -> AppResult<PartnerType> {
        Ok(self.text(name)?.parse()?)
    }

    /// A required choice parsed into its type.
    pub fn choice<T: std::str::FromStr<Err = crate::domain::ParseError>>(
        &self,
        name: &str,
    ) -> AppResult<T> {
        Ok(self.text(name)?.parse()?)
    }

    /// A required file option.
    pub fn file(&self, name: &str) -> AppResult<(&str, &[u8])> {
        match self.args.get(name) {
            Some(ArgValue::File { name, bytes }) => Ok((name.as_str(), bytes.as_slice())),
            _ => Err(AppError::user(format!("`{name}` must be a file"))),
        }
    }
}

/// A command's typed input: the option names it reads (the test in [`super::spec`] holds them equal to the
/// command's declared options).
pub trait Input {
    const OPTIONS: &'static [&'static str];
}

/// How one option's value becomes a field of a command's input.
pub trait FromArg<'a>: Sized {
    fn from_arg(inv: &'a Invocation, name: &str) -> AppResult<Self>;
}

/// A required option, trimmed, not empty.
impl<'a> FromArg<'a> for String {
    fn from_arg(inv: &'a Invocation, name: &str) -> AppResult<String> {
        inv.text(name).map(str::to_string)
    }
}

/// An optional option, trimmed; empty means absent.
impl<'a> FromArg<'a> for Option<String> {
    fn from_arg(inv: &'a Invocation, name: &str) -> AppResult<Option<String>> {
        Ok(inv.opt_text(name).map(str::to_string))
    }
}

impl<'a> FromArg<'a> for PartnerName {
    fn from_arg(inv: &'a Invocation, name: &str) -> AppResult<PartnerName> {
        Ok(PartnerName::parse(inv.text(name)?)?)
    }
}

/// A flag: absent means false.
impl<'a> FromArg<'a> for bool {
    fn from_arg(inv: &'a Invocation, name: &str) -> AppResult<bool> {
        Ok(inv.opt_bool(name)?.unwrap_or(false))
    }
}

impl<'a> FromArg<'a> for Option<bool> {
    fn from_arg(inv: &'a Invocation, name: &str) -> AppResult<Option<bool>> {
        inv.opt_bool(name)
    }
}

impl<'a> FromArg<'a> for Option<f64> {
    fn from_arg(inv: &'a Invocation, name: &str) -> AppResult<Option<f64>> {
        inv.opt_number(name)
    }
}

impl<'a> FromArg<'a> for Option<NaiveDate> {
    fn from_arg(inv: &'a Invocation, name: &str) -> AppResult<Option<NaiveDate>> {
        inv.opt_date(name)
    }
}

impl<'a> FromArg<'a> for Hours {
    fn from_arg(inv: &'a Invocation, name: &str) -> AppResult<Hours> {
        Ok(Hours::parse(inv.text(name)?)?)
    }
}

/// The number of a record (evidence, log entry, outcome), as shown when it was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordId(pub i64);

impl<'a> FromArg<'a> for RecordId {
    fn from_arg(inv: &'a Invocation, name: &str) -> AppResult<RecordId> {
        inv.int(name).map(RecordId)
    }
}

/// A file option: its name and bytes, borrowed from the invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upload<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
}

impl<'a> FromArg<'a> for Upload<'a> {
    fn from_arg(inv: &'a Invocation, name: &str) -> AppResult<Upload<'a>> {
        inv.file(name).map(|(name, bytes)| Upload { name, bytes })
    }
}

/// Values parsed from their text by their `FromStr` (the fixed vocabularies, weeks, quarters): required, and
/// optional (empty means absent).
macro_rules! parsed_args {
    ($($t:ty),+ $(,)?) => {$(
        impl<'a> FromArg<'a> for $t {
            fn from_arg(inv: &'a Invocation, name: &str) -> AppResult<$t> {
                Ok(inv.text(name)?.parse()?)
            }
        }
        impl<'a> FromArg<'a> for Option<$t> {
            fn from_arg(inv: &'a Invocation, name: &str) -> AppResult<Option<$t>> {
                Ok(inv.opt_text(name).map(str::parse).transpose()?)
            }
        }
    )+};
}

parsed_args!(
    PartnerType,
    Stage,
    Verdict,
    OutcomeKind,
    DigestKind,
    Week,
    Quarter,
    super::transfer::ImportKind,
    super::transfer::ExportKind,
    super::settings::SettingKey,
);

/// A required free text checked against its rule (control characters, length), named as the rule names it.
pub fn text(rule: TextRule) -> impl Fn(&Invocation, &str) -> AppResult<String> {
    move |inv: &Invocation, name: &str| Ok(rule.parse(inv.text(name)?)?)
}

/// An optional free text checked against its rule; empty means absent.
pub fn opt_text(rule: TextRule) -> impl Fn(&Invocation, &str) -> AppResult<Option<String>> {
    move |inv: &Invocation, name: &str| {
        inv.opt_text(name)
            .map(|t| rule.parse(t))
            .transpose()
            .map_err(AppError::from)
    }
}

/// Declare a command's typed input: a struct with one public field per option and its
/// `TryFrom<&Invocation>`. A field is named like its option (`field as "option"` when the option's name is a
/// Rust keyword) and converted by [`FromArg`], or by the function given after `=`
/// (`note: Option<String> = opt_text(NOTE)`).
///
/// ```ignore
/// input! {
///     /// What `/partner sign` reads.
///     pub struct SignIn {
///         partner: String,
///         date: Option<NaiveDate>,
///     }
/// }
/// ```
macro_rules! input {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident $(<$lt:lifetime>)? {
            $(
                $(#[$fmeta:meta])*
                $field:ident $(as $opt:literal)? : $ty:ty $(= $conv:expr)?
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug)]
        $vis struct $name $(<$lt>)? {
            $($(#[$fmeta])* pub $field: $ty,)*
        }

        impl<'a> TryFrom<&'a $crate::app::Invocation> for $name $(<$lt>)? {
            type Error = $crate::app::AppError;
            #[allow(unused_variables)]
            fn try_from(inv: &'a $crate::app::Invocation) -> $crate::app::AppResult<Self> {
                Ok($name {
                    $($field: $crate::app::args::input!(@read inv, $crate::app::args::input!(@name $field $($opt)?) $(, $conv)?),)*
                })
            }
        }

        impl $(<$lt>)? $crate::app::args::Input for $name $(<$lt>)? {
            const OPTIONS: &'static [&'static str] = &[$($crate::app::args::input!(@name $field $($opt)?)),*];
        }
    };
    (@name $field:ident) => { stringify!($field) };
    (@name $field:ident $opt:literal) => { $opt };
    (@read $inv:ident, $name:expr) => { $crate::app::args::FromArg::from_arg($inv, $name)? };
    (@read $inv:ident, $name:expr, $conv:expr) => { ($conv)($inv, $name)? };
}

pub(crate) use input;

input! {
    /// The input of a command without options.
    pub struct NoOptions {}
}
