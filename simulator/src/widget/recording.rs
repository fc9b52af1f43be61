//! What a widget session did to the lifecycle, for the recorder (`crate::recording`): a
//! link, or a re-authorisation answered right, wrong or given up. Read from the session's
//! step before and after the user's action, so the flow in `session.rs` stays a pure
//! function of session and action and knows nothing of recording.

use serde_json::json;

use super::session::{Action, Flow, ReauthBy, Session, Step};
use crate::lifecycle::LinkOptions;
use crate::recording::{self, Answer, Mark, OpenedBy, Surface};

/// The session as it was before the user's action.
pub struct Before {
    step: Step,
    outbox: usize,
    mark: Mark,
    answered: bool,
    exited: bool,
}

impl Before {
    pub fn of(session: &Session, action: &Action) -> Before {
        Before {
            step: session.step,
            outbox: session.outbox.len(),
            mark: session.sim.mark(),
            answered: matches!(action, Action::AnswerMfa(_)),
            exited: *action == Action::Exit,
        }
    }

    /// Records what the action did to the lifecycle, if anything.
    pub fn record(self, session: &Session) {
        let Some(action) = self.action(session) else {
            return;
        };
        let recorder = &session.sim.recording;
        if let Some(account) = action
            .account()
            .and_then(|id| session.sim.world.account(&id))
        {
            match action {
                recording::Action::Link { .. } => recorder.saw_created(&account),
                _ => recorder.saw(&account),
            }
        }
        recorder.record(self.mark, Surface::Widget, action);
    }

    fn action(&self, session: &Session) -> Option<recording::Action> {
        let succeeded = self.step != Step::Success && session.step == Step::Success;
        match &session.flow {
            Flow::Link if succeeded => {
                let code = session.code.as_deref()?;
                let account = session.sim.world.account_for_code(code)?.id;
                let defaults = LinkOptions::default();
                Some(recording::Action::Link {
                    account,
                    data_status: defaults.data_status,
                    data_delay: defaults.data_delay,
                })
            }
            Flow::Link => None,
            Flow::Reauth { by, account } => {
                let answer = if succeeded {
                    Answer::Correct
                } else if self.answered && session.step == Step::Mfa && self.rejected(session) {
                    Answer::Wrong
                } else if self.exited
                    && !matches!(self.step, Step::Success | Step::Closed | Step::Failed)
                {
                    Answer::Abandon
                } else {
                    return None;
                };
                Some(recording::Action::Reauth {
                    account: *account,
                    answer,
                    by: match by {
                        ReauthBy::Token(_) => OpenedBy::Token,
                        ReauthBy::Account => OpenedBy::Account,
                    },
                    data_status: None,
                })
            }
        }
    }

    /// Whether the bank rejected the MFA answer just given (nothing fired, the token stays
    /// usable): the widget told the page `INVALID_MFA`.
    fn rejected(&self, session: &Session) -> bool {
        session.outbox.get(self.outbox..).is_some_and(|new| {
            new.iter().any(|event| {
                event.kind == "mono.connect.error_occured"
                    && event.data.get("errorType") == Some(&json!("INVALID_MFA"))
            })
        })
    }
}
