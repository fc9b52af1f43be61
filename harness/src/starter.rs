//! The starter `monosim.yaml` that `monosim init --stack` writes for a Node, Python or PHP
//! project: the stack's usual start command and environment names, and — in comments — the
//! test-only state route to add to the app, for Express, FastAPI / Django and Laravel.
//!
//! Each route snippet answers what the state probe ([`crate::runner`]'s `probe.rs`) reads:
//! one account's JSON at `GET …/test/accounts/{account_id}`, 404 when there is no record yet,
//! no redirect (Django's `APPEND_SLASH` would send one for a trailing-slash route). The field
//! names in each snippet are the ones its `fields:` mapping reads, in the stack's own case. A
//! test parses every starter as `monosim run` does and loads the bundled library with it.

use crate::bundled;

/// A web stack `monosim init --stack` knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stack {
    /// Node, Express.
    Node,
    /// Python, FastAPI or Django.
    Python,
    /// PHP, Laravel.
    Php,
}

impl Stack {
    pub const ALL: [Stack; 3] = [Stack::Node, Stack::Python, Stack::Php];

    pub fn as_str(self) -> &'static str {
        match self {
            Stack::Node => "node",
            Stack::Python => "python",
            Stack::Php => "php",
        }
    }

    /// The starter config for this stack.
    pub fn config(self) -> &'static str {
        match self {
            Stack::Node => NODE,
            Stack::Python => PYTHON,
            Stack::Php => PHP,
        }
    }
}

/// The starter config for `stack`, or the stack-neutral one.
pub fn config(stack: Option<Stack>) -> &'static str {
    stack.map_or(bundled::STARTER_CONFIG, Stack::config)
}

const NODE: &str = r#"# monosim: run the bundled scenarios against your Express webhook receiver.
# Reference: docs/config.md (this file), docs/scenarios.md (scenarios), docs/ci.md (CI) in
# monosim's repository.
#
# Add to the app a test-only route that answers what it stored for one account, as JSON, so
# the scenarios can check it. Mount it only when NODE_ENV is "test" (set below), never in
# production. A 404 means "no record yet"; monosim does not follow redirects.
#
#   if (process.env.NODE_ENV === 'test') {
#     app.get('/test/accounts/:id', async (req, res) => {
#       const account = await findAccountByMonoId(req.params.id);   // your own lookup
#       if (!account) return res.sendStatus(404);
#       res.json({
#         linked: account.linked,                 // false once unlinked
#         dataStatus: account.dataStatus,         // the data_status Mono last reported
#         balance: account.balance,               // kobo
#         reauthRequired: account.reauthRequired,
#         reauthCode: account.reauthCode,         // the re-auth token (or v2 mono_url)
#       });
#     });
#   }
receiver:
  # How monosim starts your receiver (remove to test one that is already running).
  command: npm start
  env:
    NODE_ENV: test
    PORT: "{receiver.port}"             # a free port monosim picks: listen on it
    MONO_BASE_URL: "{sim.url}"          # point your Mono client here instead of https://api.withmono.com
    MONO_SECRET_KEY: "{sim.secret_key}"
    MONO_WEBHOOK_SEC: "{sim.webhook_secret}"
  # ready: "http://127.0.0.1:{receiver.port}/health"   # without it: once the port accepts connections
webhook_url: "http://127.0.0.1:{receiver.port}/webhook"   # your webhook route
state:
  http: "http://127.0.0.1:{receiver.port}/test/accounts/{account_id}"
fields:
  # The canonical fields the bundled scenarios check → the keys of the route's JSON.
  reauth_required: reauthRequired
  reauth_token: reauthCode
  data_status: dataStatus
  linked: linked
  balance: balance
scenarios: scenarios
"#;

const PYTHON: &str = r#"# monosim: run the bundled scenarios against your FastAPI or Django webhook receiver.
# Reference: docs/config.md (this file), docs/scenarios.md (scenarios), docs/ci.md (CI) in
# monosim's repository.
#
# Add to the app a test-only route that answers what it stored for one account, as JSON, so
# the scenarios can check it. Add it only when APP_ENV is "test" (set below), never in
# production. A 404 means "no record yet"; monosim does not follow redirects.
#
# FastAPI:
#   if os.environ.get("APP_ENV") == "test":
#       @app.get("/test/accounts/{account_id}")
#       def account_state(account_id: str):
#           account = find_account_by_mono_id(account_id)          # your own lookup
#           if account is None:
#               raise HTTPException(status_code=404)
#           return {
#               "linked": account.linked,                  # false once unlinked
#               "data_status": account.data_status,        # the data_status Mono last reported
#               "balance": account.balance,                # kobo
#               "reauth_required": account.reauth_required,
#               "reauth_code": account.reauth_code,        # the re-auth token (or v2 mono_url)
#           }
#
# Django (urls.py; no trailing slash: with one, APPEND_SLASH would answer a redirect):
#   def account_state(request, account_id):
#       account = get_object_or_404(Account, mono_id=account_id)
#       return JsonResponse({"linked": account.linked, "data_status": account.data_status,
#                            "balance": account.balance, "reauth_required": account.reauth_required,
#                            "reauth_code": account.reauth_code})
#   if os.environ.get("APP_ENV") == "test":
#       urlpatterns += [path("test/accounts/<str:account_id>", account_state)]
receiver:
  # How monosim starts your receiver (remove to test one that is already running).
  command: uvicorn main:app --host 127.0.0.1 --port {receiver.port}
  # Django: python manage.py runserver 127.0.0.1:{receiver.port} --noreload
  env:
    APP_ENV: test
    MONO_BASE_URL: "{sim.url}"          # point your Mono client here instead of https://api.withmono.com
    MONO_SECRET_KEY: "{sim.secret_key}"
    MONO_WEBHOOK_SEC: "{sim.webhook_secret}"
  # ready: "http://127.0.0.1:{receiver.port}/health"   # without it: once the port accepts connections
webhook_url: "http://127.0.0.1:{receiver.port}/webhook"   # your webhook route (Django: csrf_exempt)
state:
  http: "http://127.0.0.1:{receiver.port}/test/accounts/{account_id}"
fields:
  # The canonical fields the bundled scenarios check → the keys of the route's JSON.
  reauth_required: reauth_required
  reauth_token: reauth_code
  data_status: data_status
  linked: linked
  balance: balance
scenarios: scenarios
"#;

const PHP: &str = r#"# monosim: run the bundled scenarios against your Laravel webhook receiver.
# Reference: docs/config.md (this file), docs/scenarios.md (scenarios), docs/ci.md (CI) in
# monosim's repository.
#
# Add to routes/web.php a test-only route that answers what the app stored for one account,
# as JSON, so the scenarios can check it. Register it only in the testing environment
# (APP_ENV below), never in production. A 404 means "no record yet"; monosim does not follow
# redirects.
#
#   if (app()->environment('testing')) {
#       Route::get('/test/accounts/{id}', function (string $id) {
#           $account = \App\Models\Account::where('mono_id', $id)->first();   // your own lookup
#           abort_if($account === null, 404);
#           return response()->json([
#               'linked' => (bool) $account->linked,              // false once unlinked
#               'data_status' => $account->data_status,           // the data_status Mono last reported
#               'balance' => $account->balance,                   // kobo
#               'reauth_required' => (bool) $account->reauth_required,
#               'reauth_code' => $account->reauth_code,           // the re-auth token (or v2 mono_url)
#           ]);
#       });
#   }
receiver:
  # How monosim starts your receiver: PHP's built-in server with Laravel's front controller
  # (`php artisan serve` passes only some environment variables on to the server it starts).
  # APP_ENV=testing makes Laravel also read .env.testing: put the test database there, and run
  # `php artisan migrate --force` before monosim.
  command: php -S 127.0.0.1:{receiver.port} -t public public/index.php
  env:
    APP_ENV: testing
    MONO_BASE_URL: "{sim.url}"          # your Mono client's base URL (config/services.php) instead of https://api.withmono.com
    MONO_SECRET_KEY: "{sim.secret_key}"
    MONO_WEBHOOK_SECRET: "{sim.webhook_secret}"
  ready: "http://127.0.0.1:{receiver.port}/up"   # Laravel 11's health route
webhook_url: "http://127.0.0.1:{receiver.port}/api/webhooks/mono"   # your webhook route (routes/api.php: no CSRF check)
state:
  http: "http://127.0.0.1:{receiver.port}/test/accounts/{account_id}"
fields:
  # The canonical fields the bundled scenarios check → the keys of the route's JSON.
  reauth_required: reauth_required
  reauth_token: reauth_code
  data_status: data_status
  linked: linked
  balance: balance
scenarios: scenarios
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Each starter is a config `monosim run` accepts, and with it the whole bundled library
    /// loads: every canonical field a scenario names is mapped.
    #[test]
    fn every_stack_starter_parses_and_runs_the_bundled_library() {
        let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
        for stack in Stack::ALL {
            let name = format!("monosim.yaml (--stack {})", stack.as_str());
            let config = crate::config::Config::parse(stack.config(), &name, Path::new("."))
                .unwrap_or_else(|d| panic!("{}", d.render(false)));
            crate::runner::load_scenarios(
                &scenarios,
                &config.known(),
                &crate::runner::Includes::within([scenarios.clone()]),
            )
            .unwrap_or_else(|d| {
                panic!(
                    "{name}: {}",
                    crate::diagnostic::Diagnostics(d).render(false)
                )
            });
        }
    }

    /// The JSON each route snippet answers has every key the stack's `fields:` reads, and the
    /// probe asks the route the snippet adds.
    #[test]
    fn every_stack_snippet_answers_the_keys_its_fields_read() {
        for stack in Stack::ALL {
            let text = stack.config();
            let config = crate::config::Config::parse(text, "monosim.yaml", Path::new("."))
                .unwrap_or_else(|d| panic!("{}", d.render(false)));
            let snippet: String = text
                .lines()
                .filter(|l| l.starts_with('#'))
                .collect::<Vec<_>>()
                .join("\n");
            assert_eq!(config.fields.len(), 5, "--stack {}", stack.as_str());
            for (field, source) in &config.fields {
                let crate::config::FieldSource::Path { path, .. } = source else {
                    panic!("--stack {}: fields.{field} is not a path", stack.as_str());
                };
                let quoted = ["'", "\""].map(|q| format!("{q}{path}{q}"));
                assert!(
                    quoted.iter().any(|q| snippet.contains(q.as_str()))
                        || snippet.contains(&format!(" {path}: ")),
                    "--stack {}: the route snippet never answers `{path}`, which fields.{field} reads",
                    stack.as_str()
                );
            }
            let crate::config::Probe::Http { url, .. } = &config.state else {
                panic!("--stack {}: the state probe is not a URL", stack.as_str());
            };
            assert!(
                url.ends_with("/test/accounts/{account_id}"),
                "--stack {}: {url}",
                stack.as_str()
            );
        }
    }
}
