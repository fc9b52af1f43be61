//! v1's derived data: income, and credits / debits by month.

use serde_json::{json, Value};

use crate::world::{Account, Direction, Transaction};

/// `GET /accounts/:id/income`, in the shape of Mono's income endpoint article:
/// `average_income`, `monthly_income`, `yearly_income`, `income_sources` (kobo).
/// Income is what the history labels salary.
pub fn income(account: &Account) -> Value {
    let salaries: Vec<Transaction> = account
        .transactions()
        .into_iter()
        .filter(|t| t.direction == Direction::Credit && t.category == "salary")
        .collect();
    let months = months(&salaries);
    let yearly: i64 = salaries.iter().map(|t| t.amount).sum();
    let monthly = if months.is_empty() {
        0
    } else {
        yearly / months.len() as i64
    };
    let latest_month = months.first().map(|(_, amount)| *amount).unwrap_or(0);
    json!({
        "average_income": monthly,
        "monthly_income": latest_month,
        "yearly_income": yearly,
        "income_sources": i64::from(!salaries.is_empty()),
    })
}

/// `GET /accounts/:id/credits` or `/debits`: `{"total", "history":[{"amount","period"}]}`,
/// one history entry per calendar month, newest first; `period` is `yyyy-mm` [inferred].
pub fn flow(account: &Account, direction: Direction) -> Value {
    let moves: Vec<Transaction> = account
        .transactions()
        .into_iter()
        .filter(|t| t.direction == direction)
        .collect();
    let total: i64 = moves.iter().map(|t| t.amount).sum();
    let history: Vec<Value> = months(&moves)
        .into_iter()
        .map(|(period, amount)| json!({ "amount": amount, "period": period }))
        .collect();
    json!({ "total": total, "history": history })
}

/// Sums per `yyyy-mm`, in the order the (newest-first) transactions come.
fn months(transactions: &[Transaction]) -> Vec<(String, i64)> {
    let mut months: Vec<(String, i64)> = Vec::new();
    for tx in transactions {
        let date = tx.date.date();
        let period = format!("{:04}-{:02}", date.year, date.month);
        match months.last_mut() {
            Some((last, sum)) if *last == period => *sum += tx.amount,
            _ => months.push((period, tx.amount)),
        }
    }
    months
}
