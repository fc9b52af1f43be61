//! A failure in progress: what went wrong and the evidence, before the step that failed
//! says where (see `play::Run::failure`).

/// A failure in progress: the step that fails fills in where.
pub(super) struct Problem {
    pub message: String,
    pub expected: Option<String>,
    pub actual: Option<String>,
    pub context: Vec<String>,
}

impl Problem {
    pub fn new(message: impl Into<String>) -> Problem {
        Problem {
            message: message.into(),
            expected: None,
            actual: None,
            context: Vec::new(),
        }
    }
}
