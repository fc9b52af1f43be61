//! A real headless Chromium, driven over WebDriver by Debian's chromedriver, for the
//! widget's browser tests. `scripts/setup-browser` installs both; without them these tests
//! fail and say so, rather than skip.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How long any one wait for the page may take. Generous: CI has 2 cores and several
/// browsers may start at once. Waits poll a condition; none is a fixed sleep.
pub const PATIENCE: Duration = Duration::from_secs(30);

pub struct Browser {
    pub client: Client,
    driver: Child,
    profile: PathBuf,
    shots: PathBuf,
    shot: usize,
}

impl Browser {
    /// Starts chromedriver on a free loopback port and a headless Chromium session.
    /// `name` names the screenshot folder, `target/tmp/widget-screenshots/<name>/`.
    pub async fn start(name: &str) -> Browser {
        for tool in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                std::path::Path::new(tool).exists(),
                "{tool} is missing: run scripts/setup-browser (Debian's chromium and chromium-driver) before the browser tests"
            );
        }
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let profile = tmp.join(format!("chromium-profile-{name}-{port}"));
        let shots = tmp.join("widget-screenshots").join(name);
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots).unwrap();
        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1200,900",
                    format!("--user-data-dir={}", profile.display()),
                ]
            }
        });
        let capabilities = match capabilities {
            Value::Object(map) => map,
            _ => unreachable!(),
        };
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + PATIENCE;
        let client = loop {
            // chromedriver needs a moment to listen; retry the session until it does.
            let mut builder =
                ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
            builder.capabilities(capabilities.clone());
            match builder.connect(&url).await {
                Ok(client) => break client,
                Err(error) if Instant::now() < deadline => {
                    poll_interval().await;
                    let _ = error;
                }
                Err(error) => panic!("no WebDriver session from chromedriver at {url}: {error}"),
            }
        };
        Browser {
            client,
            driver,
            profile,
            shots,
            shot: 0,
        }
    }

    /// Saves a PNG of the whole browser window as `NN-<step>.png`.
    pub async fn screenshot(&mut self, step: &str) {
        self.shot += 1;
        let png = self.client.screenshot().await.expect("screenshot");
        let path = self.shots.join(format!("{:02}-{step}.png", self.shot));
        std::fs::write(&path, png).unwrap();
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("navigates");
    }

    /// Waits until `css` matches an element in the current frame.
    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("`{css}` never appeared: {e}"))
    }

    pub async fn click(&self, css: &str) {
        self.wait_for(css).await.click().await.expect("clicks");
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let field = self.wait_for(css).await;
        field.clear().await.expect("clears");
        field.send_keys(text).await.expect("types");
    }

    pub async fn text(&self, css: &str) -> String {
        self.wait_for(css).await.text().await.expect("text")
    }

    pub async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {script}: {e}"))
    }

    /// Polls `script` (which returns a boolean) until it is true.
    pub async fn until(&self, what: &str, script: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if self.js(script).await == Value::Bool(true) {
                return;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            poll_interval().await;
        }
    }

    /// Moves into the widget's iframe (after `open()`), and waits for page `step`.
    pub async fn enter_widget(&self, step: &str) {
        self.leave_widget().await;
        let frame = self.wait_for("iframe#mono-connect--widget-div").await;
        frame.enter_frame().await.expect("enters the widget iframe");
        self.wait_for(&format!("body[data-step='{step}']")).await;
    }

    /// Waits, inside the widget, for page `step`; checks its controls are labelled and
    /// saves it as screenshot `shot`.
    pub async fn arrive(&mut self, step: &str, shot: &str) {
        self.on_page(step).await;
        self.assert_labelled(step).await;
        self.screenshot(shot).await;
    }

    /// Waits, inside the widget, for page `step`.
    pub async fn on_page(&self, step: &str) {
        self.wait_for(&format!("body[data-step='{step}']")).await;
    }

    /// Back to the integrator's page (also after connect.js removed the iframe).
    pub async fn leave_widget(&self) {
        let window = self.client.window().await.expect("the window");
        self.client
            .switch_to_window(window)
            .await
            .expect("back to the top-level page");
    }

    /// Sends one key (e.g. `Key::Tab`) to whatever has the focus.
    pub async fn press(&self, key: fantoccini::key::Key) {
        let focused = self
            .client
            .active_element()
            .await
            .expect("a focused element");
        focused.send_keys(&key).await.expect("key press");
    }

    /// Every input a user can fill has a label; every button has a name.
    pub async fn assert_labelled(&self, page: &str) {
        let unlabelled = self
            .js(
                "return [...document.querySelectorAll('input:not([type=hidden]), button')]
                   .filter(e => e.tagName === 'BUTTON'
                      ? !(e.textContent.trim() || e.getAttribute('aria-label'))
                      : !(e.labels && e.labels.length))
                   .map(e => e.outerHTML.slice(0, 80));",
            )
            .await;
        assert_eq!(unlabelled, json!([]), "unlabelled controls on {page}");
    }

    pub async fn quit(mut self) {
        let client = self.client.clone();
        let _ = client.close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// One polling interval: the condition is re-checked, nothing is assumed to have happened.
async fn poll_interval() {
    tokio::time::sleep(Duration::from_millis(50)).await;
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}
