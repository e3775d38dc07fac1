//! Reading one row's cells the way the commands read them (required and optional cells, text rules, dates) and
//! finding the partner a row names on the roster, with a memo of the names already looked up.

use super::*;

/// Why a row cannot be read: a user message.
pub(super) type Msg = String;

pub(super) fn msg(e: AppError) -> Msg {
    e.user_message()
}

/// A required cell: `empty` is the message when it is empty; `f` parses it.
pub(super) fn req<T>(
    row: &Row,
    col: &str,
    empty: &str,
    errs: &mut Vec<RowError>,
    f: impl FnOnce(&str) -> Result<T, Msg>,
) -> Option<T> {
    match row.cell(col) {
        None => {
            errs.push(row.error(col, empty));
            None
        }
        Some(c) => f(c).map_err(|m| errs.push(row.error(col, m))).ok(),
    }
}

/// An optional cell: `Some(None)` when empty, `None` when it is invalid (the error is recorded).
pub(super) fn opt<T>(
    row: &Row,
    col: &str,
    errs: &mut Vec<RowError>,
    f: impl FnOnce(&str) -> Result<T, Msg>,
) -> Option<Option<T>> {
    match row.cell(col) {
        None => Some(None),
        Some(c) => match f(c) {
            Ok(v) => Some(Some(v)),
            Err(m) => {
                errs.push(row.error(col, m));
                None
            }
        },
    }
}

pub(super) fn text(rule: TextRule) -> impl Fn(&str) -> Result<String, Msg> {
    move |s| rule.parse(s).map_err(|e| e.0)
}

pub(super) fn date(
    what: &'static str,
    today: NaiveDate,
) -> impl Fn(&str) -> Result<NaiveDate, Msg> {
    move |s| {
        let d = parse_date(s).map_err(|e| e.0)?;
        not_future(d, today, what).map_err(msg)?;
        Ok(d)
    }
}

/// A partner of the roster, as the record rows refer to it (cheap to clone: one per row).
#[derive(Debug, Clone)]
pub(super) struct PartnerRef {
    pub(super) id: i64,
    pub(super) name: Arc<str>,
    pub(super) partner_type: PartnerType,
}

/// The roster by name key, for rows that refer to partners.
#[derive(Debug)]
pub(super) struct Roster {
    by_key: HashMap<String, PartnerRef>,
    /// Cell texts already found on the roster: a file names each partner many times, and normalising a name
    /// to its key is most of the cost of finding it. Bounded by [`MEMO_LIMIT`].
    found: Memo<PartnerRef>,
}

/// Entries a [`Memo`] keeps at most; past it, cells are looked up the long way.
const MEMO_LIMIT: usize = 100_000;

/// What a lookup answered for each cell text seen so far (only lookups that succeeded: an error's message
/// depends on how much detail is wanted). The answers are a function of the text alone, so a cell found
/// here gets exactly the answer the long way gives.
#[derive(Debug)]
pub(super) struct Memo<T>(HashMap<Box<str>, T>);

impl<T: Clone> Memo<T> {
    pub(super) fn new() -> Memo<T> {
        Memo(HashMap::new())
    }

    /// The answer for `cell`: remembered, else `f`'s (remembered when it succeeded).
    pub(super) fn get_or<E>(
        &mut self,
        cell: &str,
        f: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E> {
        if let Some(v) = self.0.get(cell) {
            return Ok(v.clone());
        }
        let v = f()?;
        if self.0.len() < MEMO_LIMIT {
            self.0.insert(cell.into(), v.clone());
        }
        Ok(v)
    }
}

impl Roster {
    pub(super) fn new(partners: Vec<Partner>) -> Roster {
        Roster {
            by_key: partners
                .into_iter()
                .map(|p| {
                    (
                        name_key(&p.name),
                        PartnerRef {
                            id: p.id,
                            name: p.name.into(),
                            partner_type: p.partner_type,
                        },
                    )
                })
                .collect(),
            found: Memo::new(),
        }
    }

    /// The partner named `name` (case-insensitively), or a message with the closest names when `detail`.
    pub(super) fn find(&mut self, name: &str, detail: bool) -> Result<PartnerRef, Msg> {
        let by_key = &self.by_key;
        self.found
            .get_or(name, || Roster::find_by_key(by_key, name, detail))
    }

    /// [`Roster::find`] the long way: the cell's name is checked and normalised to its key.
    fn find_by_key(
        by_key: &HashMap<String, PartnerRef>,
        name: &str,
        detail: bool,
    ) -> Result<PartnerRef, Msg> {
        let name = PartnerName::parse(name).map_err(|e| e.0)?;
        let name = name.as_str();
        if let Some(p) = by_key.get(&name_key(name)) {
            return Ok(p.clone());
        }
        if !detail {
            return Err(format!(
                "No partner `{}` on the roster. Import the partners first (an import of what: partners), or add it with /partner add.",
                snippet(name)
            ));
        }
        // The commands' rule of names: the partners close to it, else the names most like it.
        let key = name_key(name);
        let mut close: Vec<(i64, String)> = by_key
            .iter()
            .filter(|(k, _)| names::closeness_of_keys(&key, k).is_some())
            .map(|(_, p)| (p.id, p.name.to_string()))
            .collect();
        close.sort_by_key(|(_, n)| name_key(n));
        let hint = match close.len() {
            0 => lookup::did_you_mean(&lookup::suggestions(
                name,
                by_key.values().map(|p| &*p.name),
                3,
            )),
            1 => lookup::did_you_mean(&[close.remove(0).1]),
            _ => {
                let c: Vec<lookup::Candidate> = close
                    .into_iter()
                    .map(|(id, name)| lookup::Candidate { id, name })
                    .collect();
                return Err(lookup::ambiguous(name, &c).to_string());
            }
        };
        Err(format!(
            "No partner `{}` on the roster.{hint} Import the partners first (an import of what: partners), or add it with /partner add.",
            snippet(name)
        ))
    }
}
