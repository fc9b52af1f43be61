//! v1's derived data: income, and credits / debits by month.

use serde::Serialize;
use utoipa::ToSchema;

use crate::world::{Account, Direction, Transaction};

/// Kobo, from what the history labels salary.
#[derive(Serialize, ToSchema)]
pub struct Income {
    average_income: i64,
    monthly_income: i64,
    yearly_income: i64,
    /// 1 when there is a salary, else 0.
    income_sources: i64,
}

impl Income {
    /// `GET /accounts/:id/income`, in the shape of Mono's income endpoint article. Income is
    /// what the history labels salary.
    pub fn of(account: &Account) -> Income {
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
        let latest_month = months.first().map(|month| month.amount).unwrap_or(0);
        Income {
            average_income: monthly,
            monthly_income: latest_month,
            yearly_income: yearly,
            income_sources: i64::from(!salaries.is_empty()),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Flow {
    total: i64,
    /// One entry per calendar month, newest first.
    history: Vec<FlowMonth>,
}

#[derive(Serialize, ToSchema)]
pub struct FlowMonth {
    amount: i64,
    /// `yyyy-mm`.
    #[schema(pattern = "^[0-9]{4}-[0-9]{2}$")]
    period: String,
}

impl Flow {
    /// `GET /accounts/:id/credits` or `/debits`: the total, and one history entry per
    /// calendar month, newest first; `period` is `yyyy-mm` [inferred].
    pub fn of(account: &Account, direction: Direction) -> Flow {
        let moves: Vec<Transaction> = account
            .transactions()
            .into_iter()
            .filter(|t| t.direction == direction)
            .collect();
        Flow {
            total: moves.iter().map(|t| t.amount).sum(),
            history: months(&moves),
        }
    }
}

/// Sums per `yyyy-mm`, in the order the (newest-first) transactions come.
fn months(transactions: &[Transaction]) -> Vec<FlowMonth> {
    let mut months: Vec<FlowMonth> = Vec::new();
    for tx in transactions {
        let date = tx.date.date();
        let period = format!("{:04}-{:02}", date.year, date.month);
        match months.last_mut() {
            Some(last) if last.period == period => last.amount += tx.amount,
            _ => months.push(FlowMonth {
                amount: tx.amount,
                period,
            }),
        }
    }
    months
}
