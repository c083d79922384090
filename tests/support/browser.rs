//! A real browser for end-to-end tests: Debian's headless Chromium driven through
//! chromedriver's W3C WebDriver API (a few JSON calls over reqwest). Without Chromium the
//! browser tests print a loud SKIPPED line locally; under CI (`CI=true`) that is a failure,
//! since `.ci/run` installs it.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    client: reqwest::Client,
    _profile: tempfile::TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Browser {
    /// Starts chromedriver and a headless Chromium whose preferred language is `lang`
    /// (e.g. `sv-SE`). `None` when Chromium is not installed (outside CI).
    pub async fn start(lang: &str) -> Option<Self> {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists());
        let driver_bin = ["/usr/bin/chromedriver"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists());
        let (Some(chromium), Some(driver_bin)) = (chromium, driver_bin) else {
            assert!(
                std::env::var("CI").is_err(),
                "Chromium is missing under CI: .ci/run must install chromium and chromium-driver"
            );
            eprintln!(
                "\n*** SKIPPED: browser tests (no /usr/bin/chromium; apt-get install chromium chromium-driver) ***\n"
            );
            return None;
        };
        let port = free_port();
        let driver = Command::new(driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while client.get(format!("{base}/status")).send().await.is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        // The flags this machine needs: no sandbox as root, and no background networking
        // (the closed network refuses it, loudly).
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                    format!("--user-data-dir={}", profile.path().display()),
                    format!("--lang={lang}"), "--window-size=1280,900"
                ],
                "prefs": { "intl.accept_languages": lang }
            }
        }}});
        let v: Value = client
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = v["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {v}"))
            .to_owned();
        Some(Self {
            driver,
            base,
            session,
            client,
            _profile: profile,
        })
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.client.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req.send().await.unwrap().json().await.unwrap();
        if v["value"].get("error").is_some() {
            panic!("WebDriver {path}: {}", v["value"]);
        }
        v["value"].clone()
    }

    pub async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    /// Waits (with a deadline) for an element matching `css`; returns its WebDriver id.
    pub async fn find(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let url = format!("{}/session/{}/element", self.base, self.session);
            let v: Value = self
                .client
                .post(url)
                .json(&json!({ "using": "css selector", "value": css }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if let Some(id) = v["value"][ELEMENT].as_str() {
                return id.to_owned();
            }
            assert!(Instant::now() < deadline, "no element `{css}` appeared");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Types into an element as a keyboard would (`\u{E007}` is Enter).
    pub async fn keys(&self, element: &str, text: &str) {
        self.call(
            reqwest::Method::POST,
            &format!("/element/{element}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    /// Switches into the iframe `element`, or back to the top page with `None`.
    pub async fn frame(&self, element: Option<&str>) {
        let id = element.map_or(Value::Null, |e| json!({ ELEMENT: e }));
        self.call(reqwest::Method::POST, "/frame", Some(json!({ "id": id })))
            .await;
    }

    pub async fn click(&self, element: &str) {
        self.call(
            reqwest::Method::POST,
            &format!("/element/{element}/click"),
            Some(json!({})),
        )
        .await;
    }

    pub async fn text(&self, element: &str) -> String {
        self.call(
            reqwest::Method::GET,
            &format!("/element/{element}/text"),
            None,
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    pub async fn js(&self, script: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
        .await
    }

    pub async fn js_async(&self, script: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({ "script": script, "args": [] })),
        )
        .await
    }

    /// Emulates a viewport `width` CSS pixels wide (Chrome's own minimum window width is
    /// larger than a small phone's).
    pub async fn viewport(&self, width: u32, height: u32) {
        let url = format!("{}/session/{}/goog/cdp/execute", self.base, self.session);
        let body = json!({ "cmd": "Emulation.setDeviceMetricsOverride", "params": {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600
        }});
        self.client.post(url).json(&body).send().await.unwrap();
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> Vec<u8> {
        use base64::Engine as _;
        let v = self.call(reqwest::Method::GET, "/screenshot", None).await;
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap())
            .unwrap()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // End the session first, so chromedriver closes Chromium (a plain HTTP DELETE: no
        // runtime to await on in a destructor).
        use std::io::{Read, Write};
        let addr = self.base.trim_start_matches("http://").to_owned();
        if let Ok(mut s) = std::net::TcpStream::connect(&addr) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            let _ = write!(
                s,
                "DELETE /session/{} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                self.session
            );
            let _ = s.read(&mut [0u8; 512]);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
