//! `monosim openapi` prints the document a running `monosim serve` serves.

mod support;

use support::{monosim, Served};

#[tokio::test]
async fn monosim_openapi_prints_valid_json_equal_to_what_the_server_serves() {
    let output = monosim().arg("openapi").output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let printed = String::from_utf8(output.stdout).unwrap();
    let document: serde_json::Value =
        serde_json::from_str(&printed).expect("monosim openapi prints JSON");
    assert_eq!(document["openapi"], "3.1.0");
    assert!(document["paths"]["/v2/accounts/initiate"]["post"].is_object());

    let served = Served::start(&["--seed", "42"]);
    let response = reqwest::get(format!("{}/openapi.json", served.url))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = response.text().await.unwrap();
    assert_eq!(
        printed.trim_end(),
        body,
        "the same bytes, but for the final newline"
    );
    served.terminate();
}
