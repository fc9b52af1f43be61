//! Filtering and paging a transaction history, shared by v1 and v2.
//!
//! A page of the history as it is (unfiltered, or filtered by dates only) is a [`Window`]:
//! a pure function of the account's history, so each version keeps the pages it wrote
//! lately ([`Written`]) and answers a page read again by copying it. Integrators read the
//! same pages again and again — page 1 after every webhook — and drawing and writing a page
//! of 20 was three quarters of its cost (bench/RESULTS.md).

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use utoipa::ToSchema;

use super::json::{self, Spliced, WriteJson};
use super::params::{PageLink, TransactionFilter};
use crate::world::{Account, Recent, Transaction, Window};

/// About what a transaction takes in a v1 or v2 answer (220–250 bytes), to size the
/// answer's buffer.
const TRANSACTION_BYTES: usize = 256;

/// One page of transactions and the links around it.
pub struct Page {
    pub transactions: Shown,
    pub paging: Paging,
}

/// The transactions a page shows.
pub enum Shown {
    /// Positions of the history as it is.
    Window(Window),
    /// Those a type or narration filter picked, or the whole history unpaged.
    Picked(Vec<Transaction>),
}

/// The pages one version wrote lately, by window; a page is written again only when it
/// has been pushed out (see `world::Recent`). One set for every thread
/// ([`Recent::shared`]): pages are too large to keep per thread.
pub type Written = Recent<Window, Option<Spliced>>;

/// The longest page kept: 256 pages of 100 transactions are about 6.5 MB per version,
/// where pages of `MAX_PAGE_SIZE` (1,000) could hold 65 MB.
const KEPT_AT_MOST: usize = 100;

/// A page's transactions as one version shows them: the answer's `data`.
pub enum Data<T> {
    /// Written before, or now and kept.
    Kept(Spliced),
    Fresh(Vec<T>),
}

impl<T> Data<T> {
    /// About how many bytes it takes written.
    pub fn bytes(&self) -> usize {
        match self {
            Data::Kept(json) => json.bytes(),
            Data::Fresh(transactions) => transactions.len().saturating_mul(TRANSACTION_BYTES),
        }
    }
}

impl<T: Serialize> Serialize for Data<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Data::Kept(json) => json.serialize(serializer),
            Data::Fresh(transactions) => transactions.serialize(serializer),
        }
    }
}

impl Shown {
    /// The transactions in a version's `shape`; a window is taken from `written` or written
    /// and kept there.
    pub fn data<T: Serialize>(self, written: &Written, shape: fn(Transaction) -> T) -> Data<T> {
        let window = match self {
            Shown::Picked(transactions) => {
                return Data::Fresh(transactions.into_iter().map(shape).collect())
            }
            Shown::Window(window) if window.len() <= KEPT_AT_MOST => window,
            Shown::Window(window) => {
                return Data::Fresh(window.draw().into_iter().map(shape).collect())
            }
        };
        let kept = written.get(window, || {
            let transactions: Vec<T> = window.draw().into_iter().map(shape).collect();
            Spliced::write(&transactions).ok()
        });
        match kept {
            Some(json) => Data::Kept(json),
            // Only if the shape cannot be written as JSON, which the answer then reports.
            None => Data::Fresh(window.draw().into_iter().map(shape).collect()),
        }
    }
}

// `previous` and `next` differ only in their page number, so they are kept as that and
// written out of one `PageLink`, looked at once for anything to escape in JSON: checking
// each link had cost more than the rest of writing the paging (bench/RESULTS.md).
/// Where the page is in the filtered history; `previous` / `next` are absolute URLs that
/// keep the request's other query parameters.
#[derive(ToSchema)]
pub struct Paging {
    #[schema(value_type = u64)]
    total: usize,
    page: u32,
    #[schema(value_type = Option<String>)]
    previous: Option<u32>,
    #[schema(value_type = Option<String>)]
    next: Option<u32>,
    #[schema(ignore)]
    link: PageLink,
    /// The link has nothing to escape in JSON (it almost never has).
    #[schema(ignore)]
    plain: bool,
}

impl Paging {
    fn new(
        total: usize,
        page: u32,
        previous: Option<u32>,
        next: Option<u32>,
        link: PageLink,
    ) -> Paging {
        Paging {
            // Looked at before `link` moves in.
            plain: json::is_plain(link.prefix()),
            total,
            page,
            previous,
            next,
            link,
        }
    }
}

impl Serialize for Paging {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let link = |page: Option<u32>| page.map(|page| self.link.to(page));
        let mut paging = serializer.serialize_struct("Paging", 4)?;
        paging.serialize_field("total", &self.total)?;
        paging.serialize_field("page", &self.page)?;
        paging.serialize_field("previous", &link(self.previous))?;
        paging.serialize_field("next", &link(self.next))?;
        paging.end()
    }
}

impl WriteJson for Paging {
    fn write_json(&self, out: &mut Vec<u8>) -> Result<(), json::Error> {
        let Paging {
            total,
            page,
            previous,
            next,
            link,
            plain,
        } = self;
        let write_link = |out: &mut Vec<u8>, page: &Option<u32>| {
            let Some(page) = page else {
                return out.extend_from_slice(b"null");
            };
            let (prefix, mut digits) = (link.prefix(), itoa::Buffer::new());
            let digits = digits.format(*page);
            if *plain {
                out.reserve(prefix.len() + digits.len() + 2);
                out.push(b'"');
                out.extend_from_slice(prefix.as_bytes());
                out.extend_from_slice(digits.as_bytes());
                out.push(b'"');
            } else {
                json::string(out, &link.to(*page));
            }
        };
        out.extend_from_slice(br#"{"total":"#);
        json::value(out, total)?;
        out.extend_from_slice(br#","page":"#);
        json::value(out, page)?;
        out.extend_from_slice(br#","previous":"#);
        write_link(out, previous);
        out.extend_from_slice(br#","next":"#);
        write_link(out, next);
        out.push(b'}');
        Ok(())
    }
}

/// Applies `filter` to the account's history; `link` is the listing's URL
/// (`{base}/accounts/{id}/transactions`) and its other parameters, which `previous` /
/// `next` point back to so that a filtered listing pages through the same filter.
pub fn page(account: &Account, filter: &TransactionFilter, link: PageLink) -> Page {
    if filter.paginate && filter.direction.is_none() && filter.narration.is_none() {
        return dated_page(account, filter, link);
    }
    let matching: Vec<Transaction> = account
        .transactions()
        .into_iter()
        .filter(|tx| {
            let day = tx.date.date();
            filter.start.is_none_or(|start| day >= start)
                && filter.end.is_none_or(|end| day <= end)
                && filter.direction.is_none_or(|d| tx.direction == d)
                && filter
                    .narration
                    .as_deref()
                    .is_none_or(|n| tx.narration.to_lowercase().contains(n))
        })
        .collect();
    let total = matching.len();
    if !filter.paginate {
        return Page {
            transactions: Shown::Picked(matching),
            paging: Paging::new(total, 1, None, None, link),
        };
    }
    let limit = filter.limit as usize;
    let skip = (filter.page as usize - 1).saturating_mul(limit);
    let transactions = matching.into_iter().skip(skip).take(limit).collect();
    paged(Shown::Picked(transactions), total, filter, link)
}

/// A page of a listing filtered by dates at most: which positions the days cover is found
/// without drawing the history, and only the page's transactions are drawn. (A type or
/// narration filter must look at every transaction to count `total`.)
fn dated_page(account: &Account, filter: &TransactionFilter, link: PageLink) -> Page {
    let positions = account.transaction_positions(filter.start, filter.end);
    let total = positions.len();
    let first = u64::from(positions.start)
        + u64::from(filter.page - 1).saturating_mul(u64::from(filter.limit));
    let first = u32::try_from(first).unwrap_or(u32::MAX).min(positions.end);
    let last = first.saturating_add(filter.limit).min(positions.end);
    paged(
        Shown::Window(account.transaction_window(first..last)),
        total,
        filter,
        link,
    )
}

/// `transactions` as page `filter.page` of `total`, with links to its neighbours.
fn paged(transactions: Shown, total: usize, filter: &TransactionFilter, link: PageLink) -> Page {
    let pages = total.div_ceil(filter.limit as usize).max(1) as u32;
    let page = filter.page;
    Page {
        transactions,
        paging: Paging::new(
            total,
            page,
            (page > 1).then(|| (page - 1).min(pages)),
            (page < pages).then_some(page + 1),
            link,
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{Data, Paging, Shown, Written, KEPT_AT_MOST};
    use crate::api::json::WriteJson;
    use crate::api::params::Params;
    use crate::clock::{Clock, Timestamp, DAY};
    use crate::world::{AccountSpec, Arrival, Dialect, Transaction, Window, World, WorldConfig};

    fn shape(t: Transaction) -> (String, i64, i64) {
        (t.id.to_string(), t.amount, t.balance)
    }

    fn json<T: serde::Serialize>(value: &T) -> String {
        serde_json::to_string(value).expect("JSON")
    }

    /// The page as if nothing were kept.
    fn fresh(window: Window) -> String {
        json(&window.draw().into_iter().map(shape).collect::<Vec<_>>())
    }

    #[test]
    fn paging_is_written_as_serde_writes_it() {
        let bases = ["", "http://127.0.0.1:1", "odd \"base\" \\ é\n"];
        let pages = [None, Some(1), Some(u32::MAX)];
        let params = Params::of(&"/t?limit=2&page=3&q=a%22b".parse().unwrap());
        for (i, base) in bases.into_iter().enumerate() {
            let (previous, next) = (pages[i], pages[(i + 1) % pages.len()]);
            let paging = Paging::new(
                [0, 7, usize::MAX][i],
                [1, 2, u32::MAX][i],
                previous,
                next,
                params.page_link(&[base, "/v2/accounts/x/transactions"]),
            );
            let link = |page: Option<u32>| {
                page.map(|p| format!("{base}/v2/accounts/x/transactions?limit=2&q=a%22b&page={p}"))
            };
            assert_eq!(
                serde_json::to_value(&paging).unwrap(),
                serde_json::json!({
                    "total": paging.total,
                    "page": paging.page,
                    "previous": link(previous),
                    "next": link(next),
                })
            );
            let mut ours = Vec::new();
            paging.write_json(&mut ours).expect("written");
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                serde_json::to_string(&paging).unwrap()
            );
        }
    }

    #[test]
    fn a_kept_page_is_the_page_drawn_afresh_and_never_outlives_a_change() {
        let start = Timestamp::parse_rfc3339("2026-01-15T09:00:00Z").unwrap();
        let clock = Arc::new(Clock::starting_at(start, true));
        let config = WorldConfig {
            seed: 7,
            id_salt: 0,
            dialect: Dialect::Current,
            random_accounts: 0,
            file: None,
        };
        let world = World::new(config, clock.clone()).unwrap();
        let spec = AccountSpec {
            transactions: Some(2_000),
            ..AccountSpec::default()
        };
        let id = world.create_account(spec, Arrival::Seeded).unwrap();
        let window = |world: &World| world.account(&id).unwrap().transaction_window(0..20);
        let written = Written::new();
        let read = |window: Window| match Shown::Window(window).data(&written, shape) {
            Data::Kept(kept) => json(&kept),
            Data::Fresh(_) => panic!("a window of the history is kept"),
        };

        let before = window(&world);
        assert_eq!(before.len(), 20);
        assert_eq!(read(before), fresh(before));
        assert_eq!(
            read(before),
            fresh(before),
            "read again, from what was kept"
        );

        // A sync adds newer transactions: page 1 is another window, read afresh.
        clock.advance(3 * DAY);
        assert!(
            world.retrieve_data(&id),
            "three days bring new transactions"
        );
        let synced = window(&world);
        assert_ne!(synced, before);
        assert_eq!(read(synced), fresh(synced));
        assert_ne!(read(synced), read(before));

        // The bank's balance changes: the whole history is re-derived, and so is the page.
        let balance = world.account(&id).unwrap().balance;
        world.set_bank_balance(&id, balance + 500_000).unwrap();
        world.retrieve_data(&id);
        let rebalanced = window(&world);
        assert_ne!(rebalanced, synced);
        assert_eq!(read(rebalanced), fresh(rebalanced));
        assert_ne!(read(rebalanced), read(synced));
    }

    #[test]
    fn a_filtered_page_is_written_fresh() {
        let picked = Shown::Picked(Vec::new()).data(&Written::new(), shape);
        assert!(matches!(picked, Data::Fresh(ref list) if list.is_empty()));
        assert_eq!(json(&picked), "[]");
    }

    #[test]
    fn a_long_page_is_written_fresh_not_kept() {
        let start = Timestamp::parse_rfc3339("2026-01-15T09:00:00Z").unwrap();
        let timeline = crate::world::Timeline::ending_at(start, 1_000);
        let long = Window::new(timeline, 7, 1_000, 500_000_000, 0..KEPT_AT_MOST as u32 + 1);
        let page = Shown::Window(long).data(&Written::new(), shape);
        assert!(matches!(page, Data::Fresh(ref list) if list.len() == KEPT_AT_MOST + 1));
        assert_eq!(json(&page), fresh(long));
    }
}
