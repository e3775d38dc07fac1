//! A parsed command: its path and option values, checked against the command table, with typed getters.

use super::spec::{CommandSpec, Kind};
use super::{AppError, AppResult};
use crate::domain::{parse_date, parse_number, snippet, PartnerType, Quarter, Week};
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

/// A boolean as users type it: `true`/`false` (also `yes`/`no`, `y`/`n`), any case. `name` names the option or
/// column in the error.
pub fn parse_bool(text: &str, name: &str) -> AppResult<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" => Ok(true),
        "false" | "no" | "n" => Ok(false),
        other => Err(AppError::user(format!(
            "`{name}` is true or false, not `{}`",
            snippet(other)
        ))),
    }
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
                    Kind::Text { max, .. } => max as usize,
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

    /// An optional free-text field checked for control characters (newlines allowed in notes).
    pub fn opt_clean(&self, name: &str, max: usize) -> AppResult<Option<String>> {
        self.opt_text(name)
            .map(|t| crate::domain::types::parse_text(t, &format!("`{name}`"), max))
            .transpose()
            .map_err(AppError::from)
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

    pub fn opt_week(&self, name: &str) -> AppResult<Option<Week>> {
        self.opt_text(name)
            .map(str::parse)
            .transpose()
            .map_err(AppError::from)
    }

    pub fn opt_quarter(&self, name: &str) -> AppResult<Option<Quarter>> {
        self.opt_text(name)
            .map(str::parse)
            .transpose()
            .map_err(AppError::from)
    }

    pub fn partner_type(&self, name: &str) -> AppResult<PartnerType> {
        Ok(self.text(name)?.parse()?)
    }

    pub fn opt_partner_type(&self, name: &str) -> AppResult<Option<PartnerType>> {
        self.opt_text(name)
            .map(str::parse)
            .transpose()
            .map_err(AppError::from)
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
