//! The translator's rules on made-up logs: where an acknowledgement that needed a retry is
//! expected, what a running clock writes, and what is never asserted.

use std::sync::Arc;

use super::*;
use crate::clock::{Clock, Timestamp};
use crate::recording::{FirstSeen, Surface};
use crate::webhooks::SecretMode;
use crate::world::{Dialect, World, WorldConfig};

fn start() -> Timestamp {
    Timestamp::parse_rfc3339("2026-01-15T09:00:00Z").unwrap()
}

/// A seeded, linked account to play with.
fn account() -> Account {
    let world = World::new(
        WorldConfig {
            seed: 42,
            id_salt: 0,
            dialect: Dialect::Current,
            random_accounts: 1,
            file: None,
        },
        Arc::new(Clock::starting_at(start(), true)),
    )
    .unwrap();
    world.accounts(1).remove(0)
}

fn mark(seconds: i64, deliveries: u64) -> Mark {
    Mark {
        at: start().plus(seconds * SECOND),
        deliveries,
        requests: 0,
    }
}

fn attempt(seq: u64, event: &str, account: ObjectId, attempt: u32, status: u16) -> AttemptRecord {
    let delivered = (200..300).contains(&status);
    AttemptRecord {
        seq,
        delivery: u64::from(event.len() as u32),
        event_id: format!("evt_{event}").into(),
        event: event.into(),
        account: Some(account),
        attempt,
        url: "http://127.0.0.1:1/webhook".into(),
        outcome: if delivered {
            Outcome::Delivered
        } else {
            Outcome::Failed
        },
        status: Some(status),
        error: None,
        latency_ms: 1.0,
        scheduled_at: start(),
        sent_at: start(),
        next_attempt_at: None,
        secret: SecretMode::Correct,
        dialect: "current",
    }
}

fn render_with(actions: Vec<(Mark, Action)>, deliveries: &[AttemptRecord], now: Mark) -> String {
    let account = account();
    let recording = Recording {
        began: mark(0, 0),
        actions: actions
            .into_iter()
            .map(|(mark, action)| Recorded {
                mark,
                surface: Surface::Control,
                action,
            })
            .collect(),
        accounts: vec![FirstSeen {
            account,
            was_linked: true,
        }],
        dropped: 0,
    };
    render(
        &recording,
        &Logs {
            deliveries,
            requests: &[],
            now,
            data_delay: SECOND,
        },
    )
}

fn steps(file: &str) -> Vec<&str> {
    let at = file.find("steps:\n").unwrap();
    file[at..].lines().skip(1).map(str::trim).collect()
}

#[test]
fn a_webhook_acknowledged_only_on_a_retry_is_expected_after_the_advance_that_retried_it_and_decides_no_state(
) {
    let id = account().id;
    let expire = Action::ExpireSession { account: id };
    let advance = Action::Advance {
        to: start().plus(60 * SECOND),
    };
    let deliveries = [
        attempt(1, event::REAUTHORISATION_REQUIRED, id, 1, 500),
        attempt(2, event::REAUTHORISATION_REQUIRED, id, 2, 200),
    ];
    let file = render_with(
        vec![(mark(0, 0), expire), (mark(0, 1), advance)],
        &deliveries,
        mark(60, 2),
    );
    let steps = steps(&file);
    let advanced = steps
        .iter()
        .position(|s| s.starts_with("- advance:"))
        .unwrap();
    let expected = steps
        .iter()
        .position(|s| {
            s.starts_with("- expect_delivery: { event: mono.events.reauthorisation_required")
        })
        .unwrap_or_else(|| panic!("{file}"));
    assert!(advanced < expected, "{file}");
    assert!(
        !file.contains("reauth_required: true"),
        "a retried delivery decides no state:\n{file}"
    );
}

#[test]
fn a_webhook_never_acknowledged_is_not_expected() {
    let id = account().id;
    let deliveries = [attempt(1, event::ACCOUNT_UNLINKED, id, 1, 500)];
    let file = render_with(
        vec![(mark(0, 0), Action::Unlink { account: id })],
        &deliveries,
        mark(0, 1),
    );
    assert!(!file.contains("expect_"), "{file}");
    assert!(
        steps(&file).iter().any(|s| s.starts_with("- unlink: ")),
        "{file}"
    );
}

#[test]
fn time_that_passed_on_a_running_clock_is_advanced_in_whole_seconds_less_what_steps_waited() {
    let id = account().id;
    let file = render_with(
        vec![
            (mark(0, 0), Action::Sync { account: id }),
            // 40.5 s later on the recorded clock; the seeded account's link waited 1 s.
            (
                Mark {
                    at: start().plus(40_500),
                    deliveries: 0,
                    requests: 0,
                },
                Action::Unlink { account: id },
            ),
        ],
        &[],
        mark(41, 0),
    );
    let steps = steps(&file);
    let at = steps
        .iter()
        .position(|s| s.starts_with("- unlink"))
        .unwrap();
    assert_eq!(steps[at - 1], "- advance: 39s", "{file}");
}

#[test]
fn an_event_fired_by_hand_is_expected_delivered_but_decides_no_state() {
    let id = account().id;
    let fire = Action::Fire {
        event: event::ACCOUNT_UNLINKED.into(),
        account: id,
        set: Vec::new(),
        delay: None,
        event_id: format!("evt_{}", event::ACCOUNT_UNLINKED),
    };
    let deliveries = [attempt(1, event::ACCOUNT_UNLINKED, id, 1, 200)];
    let file = render_with(vec![(mark(0, 0), fire)], &deliveries, mark(0, 1));
    assert!(
        file.contains("expect_delivery: { event: mono.events.account_unlinked"),
        "{file}"
    );
    assert!(!file.contains("linked: false"), "{file}");
}
