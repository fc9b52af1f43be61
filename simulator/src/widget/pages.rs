//! The widget's pages: plain server-rendered HTML forms that work without JavaScript, with
//! labels, fieldsets and visible focus for keyboard users. `widget.js` only adds the
//! postMessage relay, live filtering of the institution list and a "waiting" state.

use std::fmt::Write;

use serde_json::{json, Value};

use super::session::{Outcome, Session, Step, MAX_SLOW_MS, OFFERED};
use crate::world::institutions::{self, AuthMethod};

/// Escapes text for HTML content and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON that is safe inside `<script type="application/json">`.
fn script_json(value: &Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

fn auth_method_label(method: AuthMethod) -> &'static str {
    match method {
        AuthMethod::InternetBanking => "Internet banking",
        AuthMethod::MobileBanking => "Mobile banking",
    }
}

/// The page for the session's current step, carrying (and so handing over) its events.
pub fn render(session: &mut Session, query: Option<&str>) -> String {
    let events: Vec<Value> = session
        .outbox
        .drain(..)
        .map(|e| json!({ "type": e.kind, "data": e.data }))
        .collect();
    // Every form on every page posts to the session's one URL.
    let action = format!("/widget/{}", esc(&session.id));
    let (title, body) = match session.step {
        Step::Institution => institution_page(&action, query),
        Step::AuthMethod => auth_method_page(session, &action),
        Step::Credentials => credentials_page(session, &action),
        Step::Mfa => mfa_page(session, &action),
        Step::Accounts => accounts_page(session, &action),
        Step::Success => success_page(session, &action),
        Step::Failed => failed_page(session, &action),
        Step::Closed => closed_page(),
    };
    let notice = match (&session.notice, session.step) {
        (Some(n), step) if step != Step::Failed => format!(
            "<div class=\"notice\" role=\"alert\"><strong>{}</strong><p>{}</p></div>",
            esc(&n.title),
            esc(&n.detail)
        ),
        _ => String::new(),
    };
    let close = if session.step == Step::Closed {
        String::new()
    } else {
        format!(
            "<form method=\"post\" action=\"{action}\" class=\"close\"><input type=\"hidden\" name=\"action\" value=\"exit\">\
             <button type=\"submit\" aria-label=\"Close the widget\" title=\"Close\">&times;</button></form>"
        )
    };
    let mut page = String::new();
    let _ = write!(
        page,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title_text} · Mono Connect (simulated)</title>\
         <link rel=\"stylesheet\" href=\"/widget/assets/widget.css\"></head>\
         <body data-step=\"{step}\">\
         <main class=\"widget\" aria-labelledby=\"page-title\">\
         <header class=\"top\"><span class=\"brand\">Mono Connect <span class=\"badge\">simulated</span></span>{close}</header>\
         <h1 id=\"page-title\" tabindex=\"-1\">{title_text}</h1>{notice}{body}</main>{panel}\
         <script type=\"application/json\" id=\"monosim-events\">{events}</script>\
         <script src=\"/widget/assets/widget.js\"></script></body></html>\n",
        title_text = esc(&title),
        step = session.step.page_name(),
        panel = panel(session, &action),
        events = script_json(&Value::Array(events)),
    );
    page
}

fn institution_page(action: &str, query: Option<&str>) -> (String, String) {
    let query = query.unwrap_or("").trim();
    let needle = query.to_lowercase();
    let mut list = String::new();
    let mut shown = 0;
    for bank in institutions::CATALOGUE {
        if !needle.is_empty()
            && !bank.name.to_lowercase().contains(&needle)
            && !bank.slug.contains(&needle)
        {
            continue;
        }
        shown += 1;
        let _ = write!(
            list,
            "<li data-name=\"{name_lower}\"><button type=\"submit\" name=\"institution\" value=\"{slug}\" class=\"bank\">\
             <span class=\"bank-name\">{name}</span><span class=\"bank-code\">{code}</span></button></li>",
            name_lower = esc(&format!("{} {}", bank.name.to_lowercase(), bank.slug)),
            slug = bank.slug,
            name = esc(bank.name),
            code = bank.bank_code,
        );
    }
    let empty = if shown == 0 {
        format!(
            "<p class=\"empty\">No institution matches “{}”.</p>",
            esc(query)
        )
    } else {
        "<p class=\"empty\" hidden>No institution matches.</p>".into()
    };
    let body = format!(
        "<p>Choose the bank that holds the account you want to connect.</p>\
         <form method=\"get\" action=\"{action}\" class=\"search\" role=\"search\">\
         <label for=\"q\">Search institutions</label>\
         <input id=\"q\" name=\"q\" type=\"search\" value=\"{q}\" autocomplete=\"off\" autofocus placeholder=\"e.g. GTBank\">\
         <button type=\"submit\">Search</button></form>\
         <form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"action\" value=\"institution\">\
         <ul class=\"banks\" aria-label=\"Institutions\">{list}</ul></form>{empty}",
        q = esc(query),
    );
    ("Select your bank".into(), body)
}

fn bank_heading(session: &Session) -> String {
    session
        .institution()
        .map(|b| b.name.to_string())
        .unwrap_or_default()
}

fn back_button(session: &Session, action: &str) -> String {
    if session.is_reauth() {
        return String::new();
    }
    format!(
        "<form method=\"post\" action=\"{action}\" class=\"back\"><input type=\"hidden\" name=\"action\" value=\"back\">\
         <button type=\"submit\" class=\"link\">Choose another bank</button></form>"
    )
}

fn auth_method_page(session: &Session, action: &str) -> (String, String) {
    let bank = session.institution();
    let mut options = String::new();
    for method in bank.map(|b| b.auth_methods).unwrap_or(&[]) {
        let checked = if Some(*method) == session.auth_method {
            " checked"
        } else {
            ""
        };
        let _ = write!(
            options,
            "<label class=\"choice\"><input type=\"radio\" name=\"auth_method\" value=\"{v}\"{checked}> {label}</label>",
            v = method.as_str(),
            label = auth_method_label(*method),
        );
    }
    let body = format!(
        "<form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"action\" value=\"auth_method\">\
         <fieldset><legend>How do you sign in to {bank}?</legend>{options}</fieldset>\
         <button type=\"submit\" class=\"primary\">Continue</button></form>{back}",
        bank = esc(&bank_heading(session)),
        back = back_button(session, action),
    );
    ("Choose how to sign in".into(), body)
}

fn credentials_page(session: &Session, action: &str) -> (String, String) {
    let bank = esc(&bank_heading(session));
    let method = session.auth_method.unwrap_or(AuthMethod::InternetBanking);
    let (user_label, secret_label) = match method {
        AuthMethod::InternetBanking => ("User ID", "Password"),
        AuthMethod::MobileBanking => ("Phone number or user ID", "PIN"),
    };
    let intro = if session.is_reauth() {
        let account = match &session.flow {
            super::session::Flow::Reauth { account, .. } => session.sim.world.account(account),
            super::session::Flow::Link => None,
        };
        let number = account
            .map(|a| a.holder().account_number)
            .map(|n| format!(" ending in {}", &n[n.len().saturating_sub(4)..]))
            .unwrap_or_default();
        format!(
            "<p>{bank} needs you to sign in again to keep your account{number} connected.</p>",
            number = esc(&number)
        )
    } else {
        format!(
            "<p>Sign in with your {bank} {} details.</p>",
            auth_method_label(method).to_lowercase()
        )
    };
    let switch = match session.institution() {
        Some(b) if b.auth_methods.len() > 1 => {
            let other = b
                .auth_methods
                .iter()
                .find(|m| Some(**m) != session.auth_method)
                .copied()
                .unwrap_or(method);
            format!(
                "<form method=\"post\" action=\"{action}\" class=\"switch\"><input type=\"hidden\" name=\"action\" value=\"auth_method\">\
                 <input type=\"hidden\" name=\"auth_method\" value=\"{v}\">\
                 <button type=\"submit\" class=\"link\">Use {label} instead</button></form>",
                v = other.as_str(),
                label = auth_method_label(other).to_lowercase(),
            )
        }
        _ => String::new(),
    };
    let body = format!(
        "{intro}<form method=\"post\" action=\"{action}\" class=\"bank-call\"><input type=\"hidden\" name=\"action\" value=\"login\">\
         <label for=\"username\">{user_label}</label><input id=\"username\" name=\"username\" autocomplete=\"username\" required autofocus>\
         <label for=\"password\">{secret_label}</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
         <p class=\"hint\">Simulated bank: any non-empty details sign in.</p>\
         <button type=\"submit\" class=\"primary\">Log in</button></form>{switch}{back}",
        back = back_button(session, action),
    );
    let title = if session.is_reauth() {
        format!("Re-authorise your {} account", bank_heading(session))
    } else {
        format!("Log in to {}", bank_heading(session))
    };
    (title, body)
}

fn mfa_page(session: &Session, action: &str) -> (String, String) {
    let Some(challenge) = session.challenge() else {
        return ("Verify it's you".into(), String::new());
    };
    let numeric = if challenge.numeric {
        " inputmode=\"numeric\" autocomplete=\"one-time-code\""
    } else {
        " autocomplete=\"off\""
    };
    let body = format!(
        "<p id=\"mfa-prompt\">{prompt}</p>\
         <form method=\"post\" action=\"{action}\" class=\"bank-call\"><input type=\"hidden\" name=\"action\" value=\"mfa\">\
         <label for=\"answer\">{label}</label>\
         <input id=\"answer\" name=\"answer\" required autofocus aria-describedby=\"mfa-prompt\"{numeric}>\
         <button type=\"submit\" class=\"primary\">Submit</button></form>",
        prompt = esc(&challenge.prompt),
        label = esc(challenge.label),
    );
    ("Verify it's you".into(), body)
}

fn accounts_page(session: &Session, action: &str) -> (String, String) {
    let mut options = String::new();
    for (index, kind) in OFFERED.iter().enumerate() {
        let label = match kind.as_str() {
            "SAVINGS_ACCOUNT" => "Savings account (NGN)",
            "CURRENT_ACCOUNT" => "Current account (NGN)",
            other => other,
        };
        let checked = if index == 0 { " checked" } else { "" };
        let _ = write!(
            options,
            "<label class=\"choice\"><input type=\"radio\" name=\"account\" value=\"{index}\"{checked}> {label}</label>"
        );
    }
    let body = format!(
        "<form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"action\" value=\"account\">\
         <fieldset><legend>Which {bank} account do you want to connect?</legend>{options}</fieldset>\
         <button type=\"submit\" class=\"primary\">Connect account</button></form>",
        bank = esc(&bank_heading(session)),
    );
    ("Select an account".into(), body)
}

fn success_page(session: &Session, action: &str) -> (String, String) {
    let what = if session.is_reauth() {
        "re-authorised"
    } else {
        "connected"
    };
    let next = match &session.redirect_url {
        Some(url) => {
            let sep = if url.contains('?') { '&' } else { '?' };
            let mut target = format!(
                "{url}{sep}code={}",
                session.code.as_deref().unwrap_or_default()
            );
            if let Some(reference) = &session.reference {
                target.push_str(&format!("&reference={reference}"));
            }
            format!(
                "<a class=\"primary button\" href=\"{}\">Continue</a>",
                esc(&target)
            )
        }
        None => format!(
            "<form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"action\" value=\"done\">\
             <button type=\"submit\" class=\"primary\" autofocus>Continue</button></form>"
        ),
    };
    let body = format!(
        "<p class=\"done\" role=\"status\">Your {bank} account is {what}.</p>{next}",
        bank = esc(&bank_heading(session)),
    );
    (format!("Account {what}"), body)
}

fn failed_page(session: &Session, action: &str) -> (String, String) {
    let (title, detail, cause) = session
        .notice
        .as_ref()
        .map(|n| (n.title.clone(), n.detail.clone(), n.cause.clone()))
        .unwrap_or_else(|| ("Something went wrong".into(), String::new(), None));
    let cause = cause
        .map(|c| format!("<p class=\"sim-detail\">Simulator: {}</p>", esc(&c)))
        .unwrap_or_default();
    let body = format!(
        "<div class=\"notice\" role=\"alert\"><p>{}</p></div>{cause}\
         <form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"action\" value=\"exit\">\
         <button type=\"submit\" class=\"primary\" autofocus>Close</button></form>",
        esc(&detail)
    );
    (title, body)
}

fn closed_page() -> (String, String) {
    (
        "Widget closed".into(),
        "<p>You can close this window.</p>".into(),
    )
}

/// The simulator panel: clearly not part of Mono's widget, it decides what the bank does.
fn panel(session: &Session, action: &str) -> String {
    // Nothing is left for the bank to do on these pages.
    if matches!(session.step, Step::Success | Step::Failed | Step::Closed) {
        return String::new();
    }
    let mut options = String::new();
    for outcome in Outcome::ALL {
        let label = match outcome {
            Outcome::ByAnswer => match session.challenge() {
                Some(c) => format!(
                    "Judge the answer typed (the bank expects <code>{}</code>)",
                    esc(c.expected)
                ),
                None => "Judge the answer typed".into(),
            },
            Outcome::Correct => "Correct MFA answer, whatever is typed".into(),
            Outcome::Wrong => "Wrong MFA answer, whatever is typed".into(),
            Outcome::Expired => {
                if let super::session::Flow::Reauth {
                    by: super::session::ReauthBy::Token(_),
                    ..
                } = session.flow
                {
                    "Re-auth token expired".into()
                } else if session.is_reauth() {
                    "Re-auth session timed out".into()
                } else {
                    "Bank session expired".into()
                }
            }
            Outcome::BankUnavailable => "Bank unavailable".into(),
            Outcome::SlowBank => "Slow bank (answers after the delay below)".into(),
        };
        let checked = if outcome == session.next {
            " checked"
        } else {
            ""
        };
        let _ = write!(
            options,
            "<label class=\"choice\"><input type=\"radio\" name=\"outcome\" value=\"{v}\"{checked}> {label}</label>",
            v = outcome.as_str(),
        );
    }
    format!(
        "<aside class=\"panel\" aria-labelledby=\"panel-title\">\
         <h2 id=\"panel-title\">Simulator panel</h2>\
         <p>Not part of Mono's widget. Choose what the simulated bank does at the next login or MFA answer; it applies once.</p>\
         <form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"action\" value=\"panel\">\
         <fieldset><legend>Next bank answer</legend>{options}</fieldset>\
         <label for=\"slow_seconds\">Slow bank delay (seconds, at most {max})</label>\
         <input id=\"slow_seconds\" name=\"slow_seconds\" type=\"number\" min=\"0\" max=\"{max}\" step=\"0.1\" value=\"{slow}\">\
         <button type=\"submit\">Apply</button></form>\
         <form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"action\" value=\"exit\">\
         <button type=\"submit\">User exits the widget here</button></form></aside>",
        max = MAX_SLOW_MS / 1000,
        slow = session.slow_ms as f64 / 1000.0,
    )
}

/// A page for a session that does not exist (the simulator restarted, or a typo).
pub fn missing(id: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Widget session not found · Mono Connect (simulated)</title>\
         <link rel=\"stylesheet\" href=\"/widget/assets/widget.css\"></head><body><main class=\"widget\">\
         <h1>Widget session not found</h1><div class=\"notice\" role=\"alert\"><p>No widget session <code>{}</code>: the simulator may have restarted. Open the widget again from your app.</p></div></main></body></html>\n",
        esc(id)
    )
}
