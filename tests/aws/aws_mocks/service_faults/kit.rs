//! The machinery of the service fault tables: an HTTP client that answers well until it is
//! armed and then meets the fault, the table of faults, and each protocol's error answers.

use super::super::faults::{closed_port, draw};
use super::super::*;
use aws_smithy_runtime_api::client::http::{HttpClient, HttpConnectorSettings};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use std::sync::atomic::{AtomicBool, Ordering};

/// How the faulty service answers each call.
#[derive(Clone)]
pub(super) enum Fault {
    Http(Arc<dyn Fn() -> HttpResponse + Send + Sync>),
    /// A server that accepts and never replies.
    Never,
    /// Nothing listens on the endpoint's port.
    Refused,
    /// The good answer (the typed mocks'), held back this long: slow, but it arrives.
    Slow(Duration),
    /// Whichever fault is set now: the test changes it between fetches.
    Switch(Arc<Mutex<Fault>>),
    /// An answer made for the request (a good answer, by the call it answers).
    Reply(Arc<dyn Fn(&HttpRequest) -> HttpResponse + Send + Sync>),
}

impl std::fmt::Debug for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Fault::Http(_) => "Http",
            Fault::Never => "Never",
            Fault::Refused => "Refused",
            Fault::Slow(_) => "Slow",
            Fault::Switch(_) => "Switch",
            Fault::Reply(_) => "Reply",
        })
    }
}

/// An HTTP client that hands requests to the typed mocks until it is armed, and from then on
/// answers every request with the fault (so one client, and the state kept beside it, can
/// first answer well and then fail).
#[derive(Debug, Clone)]
pub(super) struct Faulty {
    pub(super) fault: Fault,
    pub(super) armed: Arc<AtomicBool>,
}

#[derive(Debug)]
pub(super) struct FaultyConnector {
    pub(super) fault: Fault,
    armed: Arc<AtomicBool>,
    mocks: SharedHttpConnector,
    real: SharedHttpConnector,
}

impl HttpConnector for FaultyConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        if !self.armed.load(Ordering::SeqCst) {
            return self.mocks.call(request);
        }
        self.meet(&self.fault.clone(), request)
    }
}

impl FaultyConnector {
    fn meet(&self, fault: &Fault, request: HttpRequest) -> HttpConnectorFuture {
        match fault {
            Fault::Http(answer) => HttpConnectorFuture::ready(Ok(answer())),
            Fault::Never => HttpConnectorFuture::new(std::future::pending()),
            Fault::Refused => self.real.call(request),
            Fault::Slow(by) => {
                let (by, answer) = (*by, self.mocks.call(request));
                HttpConnectorFuture::new(async move {
                    tokio::time::sleep(by).await;
                    answer.await
                })
            }
            Fault::Reply(answer) => HttpConnectorFuture::ready(Ok(answer(&request))),
            Fault::Switch(now) => {
                let now = now.lock().expect("not poisoned").clone();
                self.meet(&now, request)
            }
        }
    }
}

impl HttpClient for Faulty {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(FaultyConnector {
            fault: self.fault.clone(),
            armed: self.armed.clone(),
            mocks: aws_smithy_mocks::create_mock_http_client().http_connector(settings, components),
            real: ripcord::source::aws::sdk::https_client().http_connector(settings, components),
        })
    }
}

pub(super) fn armed(fault: &Fault) -> Faulty {
    Faulty {
        fault: fault.clone(),
        armed: Arc::new(AtomicBool::new(true)),
    }
}

/// An SDK config whose every call meets `fault`; its endpoint is a closed loopback port, which
/// only the refused fault reaches.
pub(super) fn faulty_sdk(fault: &Fault, region: &str) -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_string()))
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(
                aws_credential_types::Credentials::new(
                    "AKIDFAULTS",
                    "not-a-secret",
                    None,
                    None,
                    "faults",
                ),
            ),
        )
        .endpoint_url(format!("http://127.0.0.1:{}", closed_port()))
        .http_client(armed(fault))
        .build()
}

pub(super) struct Case {
    pub(super) name: &'static str,
    pub(super) fault: Fault,
    /// How the feed fails; `None`: the answer arrives (slow) and is fresh data.
    pub(super) kind: Option<SourceErrorKind>,
    /// Words the operator must see in the message.
    pub(super) says: &'static str,
}

/// How a protocol writes an error answer: (HTTP status, code, message).
pub(super) type ErrorAnswer = fn(u16, &'static str, &'static str) -> HttpResponse;

/// The table, for a protocol's error answer, malformed body and truncated body, and how long
/// each call of the service's slow answer takes (slow, but inside the service's deadlines).
pub(super) fn cases(
    slow: Duration,
    error: ErrorAnswer,
    malformed: fn() -> HttpResponse,
    truncated: fn() -> HttpResponse,
) -> Vec<Case> {
    let http = |status: u16, code: &'static str, message: &'static str| {
        Fault::Http(Arc::new(move || error(status, code, message)))
    };
    vec![
        Case {
            name: "HTTP 500",
            fault: http(500, "InternalFailure", "internal error"),
            kind: Some(SourceErrorKind::Other),
            says: "InternalFailure",
        },
        Case {
            name: "HTTP 503",
            fault: http(503, "ServiceUnavailable", "try later"),
            kind: Some(SourceErrorKind::Other),
            says: "ServiceUnavailable",
        },
        Case {
            name: "throttling",
            fault: http(400, "Throttling", "Rate exceeded"),
            kind: Some(SourceErrorKind::Throttled),
            says: "Rate exceeded",
        },
        Case {
            name: "access denied",
            fault: http(403, "AccessDenied", "not authorized"),
            kind: Some(SourceErrorKind::AccessDenied),
            says: "not authorized",
        },
        Case {
            name: "expired credentials",
            fault: http(
                403,
                "ExpiredToken",
                "The security token included in the request is expired",
            ),
            kind: Some(SourceErrorKind::CredentialsExpired),
            says: "aws sso login",
        },
        Case {
            name: "malformed body",
            fault: Fault::Http(Arc::new(malformed)),
            kind: Some(SourceErrorKind::Other),
            says: "could not be read",
        },
        Case {
            name: "truncated body",
            fault: Fault::Http(Arc::new(truncated)),
            kind: Some(SourceErrorKind::Other),
            says: "could not be read",
        },
        Case {
            name: "no answer (timeout)",
            fault: Fault::Never,
            kind: Some(SourceErrorKind::Timeout),
            says: "no answer",
        },
        Case {
            name: "connection refused",
            fault: Fault::Refused,
            kind: Some(SourceErrorKind::Unreachable),
            says: "",
        },
        Case {
            name: "slow but arrives",
            fault: Fault::Slow(slow),
            kind: None,
            says: "",
        },
    ]
}

impl Case {
    /// How the feed fails, for a case that fails.
    pub(super) fn failure(&self) -> SourceErrorKind {
        self.kind
            .clone()
            .unwrap_or_else(|| panic!("{}: this case does not fail", self.name))
    }
}

pub(super) fn status(code: u16) -> StatusCode {
    StatusCode::try_from(code).expect("valid status")
}

pub(super) fn with_headers(
    mut response: HttpResponse,
    headers: &[(&'static str, &'static str)],
) -> HttpResponse {
    for (name, value) in headers {
        response.headers_mut().insert(*name, *value);
    }
    response
}

// AWS Backup: REST-JSON.
pub(super) fn json_error(code: u16, error: &'static str, message: &'static str) -> HttpResponse {
    with_headers(
        HttpResponse::new(
            status(code),
            SdkBody::from(format!(r#"{{"__type":"{error}","message":"{message}"}}"#)),
        ),
        &[("content-type", "application/json")],
    )
}

pub(super) fn json_body(body: &'static str) -> HttpResponse {
    with_headers(
        HttpResponse::new(status(200), SdkBody::from(body)),
        &[("content-type", "application/json")],
    )
}

// Route 53: REST-XML.
pub(super) fn xml_error(code: u16, error: &'static str, message: &'static str) -> HttpResponse {
    HttpResponse::new(
        status(code),
        SdkBody::from(format!(
            "<ErrorResponse xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Error>\
             <Type>Sender</Type><Code>{error}</Code><Message>{message}</Message></Error>\
             <RequestId>r-1</RequestId></ErrorResponse>"
        )),
    )
}

// CloudWatch: Smithy RPC v2 CBOR, with the query-compatible error header.
pub(super) fn cbor_text(out: &mut Vec<u8>, text: &str) {
    let len = text.len();
    if len < 24 {
        out.push(0x60 + u8::try_from(len).expect("short"));
    } else {
        out.push(0x78);
        out.push(u8::try_from(len).expect("under 256 bytes"));
    }
    out.extend_from_slice(text.as_bytes());
}

pub(super) const CBOR_HEADERS: [(&str, &str); 2] = [
    ("smithy-protocol", "rpc-v2-cbor"),
    ("content-type", "application/cbor"),
];

pub(super) fn cbor_error(code: u16, error: &'static str, message: &'static str) -> HttpResponse {
    let mut body = vec![0xA2];
    cbor_text(&mut body, "__type");
    cbor_text(&mut body, error);
    cbor_text(&mut body, "message");
    cbor_text(&mut body, message);
    let mut response = with_headers(
        HttpResponse::new(status(code), SdkBody::from(body)),
        &CBOR_HEADERS,
    );
    response
        .headers_mut()
        .insert("x-amzn-query-error", format!("{error};Sender"));
    response
}

pub(super) fn cbor_malformed() -> HttpResponse {
    with_headers(
        HttpResponse::new(
            status(200),
            SdkBody::from(vec![0xFF, 0xFE, b'n', b'o', 0x1C]),
        ),
        &CBOR_HEADERS,
    )
}

/// A GetMetricData answer cut inside its first result.
pub(super) fn cbor_truncated() -> HttpResponse {
    let mut body = vec![0xA1];
    cbor_text(&mut body, "MetricDataResults");
    body.push(0x81);
    body.push(0xA2);
    cbor_text(&mut body, "Id");
    cbor_text(&mut body, "q0");
    cbor_text(&mut body, "Values");
    body.push(0x82);
    body.push(0xFB);
    body.extend_from_slice(&7.0f64.to_be_bytes()[..4]);
    with_headers(
        HttpResponse::new(status(200), SdkBody::from(body)),
        &CBOR_HEADERS,
    )
}

/// How much later the second region's refresh comes: three refresh intervals, past the
/// two after which unrefreshed data is stale.
pub(super) fn three_intervals(interval: Duration) -> jiff::SignedDuration {
    jiff::SignedDuration::try_from(interval * 3).expect("fits")
}

pub(super) fn later(at: Timestamp, by: jiff::SignedDuration) -> Timestamp {
    at.checked_add(by).expect("in range")
}

/// One feed fetch as the poller makes it: under a deadline longer than the read limits' own,
/// so that the SDK's time limit names the call that hung.
pub(super) async fn within_deadline<T>(
    what: &'static str,
    fetch: impl std::future::Future<Output = ripcord::source::FetchResult<T>>,
) -> ripcord::source::FetchResult<T> {
    ripcord::source::with_deadline(Duration::from_secs(30), what, fetch).await
}

pub(super) fn assert_failed_as<T: std::fmt::Debug>(
    case: &Case,
    result: &ripcord::source::FetchResult<T>,
    service: &str,
) {
    let Err(e) = result else {
        panic!("{}: the feed should fail, got {result:?}", case.name);
    };
    assert_eq!(e.kind, case.failure(), "{}: {e}", case.name);
    assert!(
        e.call.starts_with(service),
        "{}: the failed call is named: {e}",
        case.name
    );
    assert!(
        e.message.contains(case.says),
        "{}: {:?} should say {:?}",
        case.name,
        e.message,
        case.says
    );
}

/// The screen names the failure of `region` with the fault's kind, and still draws `row`.
pub(super) fn assert_shown(case: &Case, app: &App, region: &str, row: &str) {
    let screen = draw(app);
    let kind = case.failure().to_string();
    assert!(
        screen
            .lines()
            .any(|l| l.contains(region) && l.contains(&kind)),
        "{}: the screen names {region}'s failure ({kind}):\n{screen}",
        case.name
    );
    assert!(
        screen.contains(row),
        "{}: the last good rows are drawn ({row}):\n{screen}",
        case.name
    );
}

/// The slow answer arrived whole, and it did take its time (on the test's paused clock).
pub(super) fn assert_slow_but_whole<T: std::fmt::Debug>(
    case: &Case,
    asked: tokio::time::Instant,
    result: &ripcord::source::FetchResult<T>,
) {
    let Ok(snapshot) = result else {
        panic!("{}: the slow answer arrives, got {result:?}", case.name);
    };
    assert!(
        snapshot.missing.is_empty(),
        "{}: nothing is missing: {:?}",
        case.name,
        snapshot.missing
    );
    let Fault::Slow(by) = case.fault else {
        panic!("{}: not the slow answer", case.name);
    };
    assert!(
        asked.elapsed() >= by,
        "{}: the answer was held back {by:?}, came after {:?}",
        case.name,
        asked.elapsed()
    );
}

/// Right after the slow answer, its feed is fresh, not stale.
pub(super) fn assert_fresh(case: &Case, app: &App, pane: ripcord::app::Pane, place: &str) {
    let stale = app.stale_feeds();
    assert!(
        !stale.contains(&(pane, place.to_string())),
        "{}: a slow answer that arrives is fresh data: {stale:?}",
        case.name
    );
}
