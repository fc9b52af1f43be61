//! Filtering and paging a transaction history, shared by v1 and v2.

use serde::Serialize;
use utoipa::ToSchema;

use super::params::{Params, TransactionFilter};
use crate::world::{Account, Transaction};

/// One page of transactions and the links around it.
pub struct Page {
    pub transactions: Vec<Transaction>,
    pub paging: Paging,
}

/// Where the page is in the filtered history; `previous` / `next` are absolute URLs that
/// keep the request's other query parameters.
#[derive(Serialize, ToSchema)]
pub struct Paging {
    #[schema(value_type = u64)]
    total: usize,
    page: u32,
    previous: Option<String>,
    next: Option<String>,
}

/// Applies `filter` to the account's history; `path` is the absolute URL of the listing
/// (`{base}/accounts/{id}/transactions`) that `previous` / `next` point back to, keeping the
/// request's other parameters so a filtered listing pages through the same filter.
pub fn page(account: &Account, filter: &TransactionFilter, params: &Params, path: &str) -> Page {
    if filter.paginate && filter.direction.is_none() && filter.narration.is_none() {
        return dated_page(account, filter, params, path);
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
            transactions: matching,
            paging: Paging {
                total,
                page: 1,
                previous: None,
                next: None,
            },
        };
    }
    let limit = filter.limit as usize;
    let skip = (filter.page as usize - 1).saturating_mul(limit);
    let transactions = matching.into_iter().skip(skip).take(limit).collect();
    paged(transactions, total, filter, params, path)
}

/// A page of a listing filtered by dates at most: which positions the days cover is found
/// without drawing the history, and only the page's transactions are drawn. (A type or
/// narration filter must look at every transaction to count `total`.)
fn dated_page(account: &Account, filter: &TransactionFilter, params: &Params, path: &str) -> Page {
    let positions = account.transaction_positions(filter.start, filter.end);
    let total = positions.len();
    let first = u64::from(positions.start)
        + u64::from(filter.page - 1).saturating_mul(u64::from(filter.limit));
    let first = u32::try_from(first).unwrap_or(u32::MAX).min(positions.end);
    let last = first.saturating_add(filter.limit).min(positions.end);
    paged(
        account.transaction_window(first..last),
        total,
        filter,
        params,
        path,
    )
}

/// `transactions` as page `filter.page` of `total`, with links to its neighbours.
fn paged(
    transactions: Vec<Transaction>,
    total: usize,
    filter: &TransactionFilter,
    params: &Params,
    path: &str,
) -> Page {
    let pages = total.div_ceil(filter.limit as usize).max(1) as u32;
    let page = filter.page;
    let link = |p: u32| format!("{path}?{}", params.with_page(p));
    Page {
        transactions,
        paging: Paging {
            total,
            page,
            previous: (page > 1).then(|| link((page - 1).min(pages))),
            next: (page < pages).then(|| link(page + 1)),
        },
    }
}
