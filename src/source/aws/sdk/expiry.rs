//! Credentials that AWS has called expired are not served again from a cache.
//!
//! The SDK caches credentials until the expiry they carry, or for 15 minutes when they carry
//! none (keys with a session token that a login tool wrote into a profile). When AWS answers
//! `ExpiredToken` before then (the session was cut short, the clocks disagree), every call
//! would go on failing with the cached credentials after the operator has renewed them. So
//! every answer passes `ExpiryWatch`, and an `ExpiredToken` answer makes the shared identity
//! cache forget: the next call resolves credentials afresh and uses the renewed ones at once.

use aws_config::SdkConfig;
use aws_config::identity::IdentityCache;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::identity::{
    IdentityFuture, ResolveCachedIdentity, SharedIdentityCache, SharedIdentityResolver,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::{
    RuntimeComponents, RuntimeComponentsBuilder,
};
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use aws_smithy_types::config_bag::ConfigBag;
use std::sync::{Arc, RwLock};

/// `sdk`, with an identity cache that forgets credentials as soon as AWS calls them expired.
/// Every client made from the result shares that cache and the watching HTTP client. A
/// configuration without an HTTP client of its own (the SDK's default) is left as it is.
pub fn watch(sdk: SdkConfig) -> SdkConfig {
    let Some(http) = sdk.http_client() else {
        return sdk;
    };
    let cache = ForgetfulCache::default();
    let mut builder = sdk.to_builder();
    builder.set_identity_cache(Some(SharedIdentityCache::new(cache.clone())));
    builder.set_http_client(Some(SharedHttpClient::new(ExpiryWatch {
        inner: http,
        cache,
    })));
    builder.build()
}

/// The SDK's own lazy identity cache, which can be told to start over.
#[derive(Debug, Clone)]
struct ForgetfulCache {
    current: Arc<RwLock<SharedIdentityCache>>,
}

impl Default for ForgetfulCache {
    fn default() -> Self {
        Self {
            current: Arc::new(RwLock::new(IdentityCache::lazy().build())),
        }
    }
}

impl ForgetfulCache {
    fn current(&self) -> SharedIdentityCache {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Drops every cached identity: the next call resolves its credentials again.
    fn forget(&self) {
        tracing::info!("AWS called the cached credentials expired: resolving them again");
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = IdentityCache::lazy().build();
    }
}

impl ResolveCachedIdentity for ForgetfulCache {
    fn resolve_cached_identity<'a>(
        &'a self,
        resolver: SharedIdentityResolver,
        runtime_components: &'a RuntimeComponents,
        config_bag: &'a ConfigBag,
    ) -> IdentityFuture<'a> {
        let cache = self.current();
        IdentityFuture::new(async move {
            cache
                .resolve_cached_identity(resolver, runtime_components, config_bag)
                .await
        })
    }

    fn validate_base_client_config(
        &self,
        runtime_components: &RuntimeComponentsBuilder,
        cfg: &ConfigBag,
    ) -> Result<(), BoxError> {
        self.current()
            .validate_base_client_config(runtime_components, cfg)
    }

    fn validate_final_config(
        &self,
        runtime_components: &RuntimeComponents,
        cfg: &ConfigBag,
    ) -> Result<(), BoxError> {
        self.current()
            .validate_final_config(runtime_components, cfg)
    }
}

/// An HTTP client that tells `cache` to forget when an answer says `ExpiredToken`.
#[derive(Debug)]
struct ExpiryWatch {
    inner: SharedHttpClient,
    cache: ForgetfulCache,
}

impl HttpClient for ExpiryWatch {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(WatchingConnector {
            inner: self.inner.http_connector(settings, components),
            cache: self.cache.clone(),
        })
    }
}

#[derive(Debug)]
struct WatchingConnector {
    inner: SharedHttpConnector,
    cache: ForgetfulCache,
}

impl HttpConnector for WatchingConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let (answer, cache) = (self.inner.call(request), self.cache.clone());
        HttpConnectorFuture::new(async move {
            let mut response = answer.await?;
            // Only refusals can say it; their bodies are small, and the SDK reads them whole
            // anyway to find the error code.
            if !matches!(response.status().as_u16(), 400 | 403) {
                return Ok(response);
            }
            let body = ByteStream::new(response.take_body())
                .collect()
                .await
                .map_err(|e| ConnectorError::io(e.into()))?
                .into_bytes();
            if says_expired(&body) {
                cache.forget();
            }
            *response.body_mut() = SdkBody::from(body);
            Ok(response)
        })
    }
}

/// Whether an error answer carries the code `ExpiredToken` (or `ExpiredTokenException`), in
/// whichever protocol: XML `<Code>`, JSON `__type`, CBOR text all hold it as plain bytes.
fn says_expired(body: &[u8]) -> bool {
    body.windows(b"ExpiredToken".len())
        .any(|w| w == b"ExpiredToken")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceErrorKind;
    use crate::source::aws::error::aws_error;
    use aws_config::BehaviorVersion;
    use aws_sdk_rds::config::{Credentials, ProvideCredentials, Region, SharedCredentialsProvider};
    use aws_smithy_runtime_api::client::http::http_client_fn;
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::http::StatusCode;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Keys with a session token and no expiry, as a login tool writes them into a profile;
    /// `renew` is the operator running that tool again.
    #[derive(Debug, Clone)]
    struct ProfileKeys {
        key_id: Arc<Mutex<&'static str>>,
        loads: Arc<AtomicUsize>,
    }

    impl ProfileKeys {
        fn new(key_id: &'static str) -> Self {
            Self {
                key_id: Arc::new(Mutex::new(key_id)),
                loads: Arc::default(),
            }
        }

        fn renew(&self, key_id: &'static str) {
            *self.key_id.lock().expect("not poisoned") = key_id;
        }
    }

    impl ProvideCredentials for ProfileKeys {
        fn provide_credentials<'a>(
            &'a self,
        ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
        where
            Self: 'a,
        {
            self.loads.fetch_add(1, Ordering::SeqCst);
            let key_id = *self.key_id.lock().expect("not poisoned");
            aws_credential_types::provider::future::ProvideCredentials::ready(Ok(Credentials::new(
                key_id,
                "secret",
                Some("session".into()),
                None,
                "profile",
            )))
        }
    }

    /// RDS as it treats a session that ended early: `ExpiredToken` for requests signed with
    /// `expired`, an (empty) answer for any other key.
    #[derive(Debug, Clone)]
    struct Rds {
        expired: &'static str,
    }

    impl HttpConnector for Rds {
        fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
            let signed_with_expired = request
                .headers()
                .get("authorization")
                .is_some_and(|a| a.contains(&format!("Credential={}/", self.expired)));
            let (status, body) = if signed_with_expired {
                (
                    403,
                    "<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code>\
                     <Message>The security token included in the request is expired</Message>\
                     </Error><RequestId>r-1</RequestId></ErrorResponse>",
                )
            } else {
                (
                    200,
                    "<DescribeDBInstancesResponse \
                     xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\">\
                     <DescribeDBInstancesResult><DBInstances/></DescribeDBInstancesResult>\
                     <ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata>\
                     </DescribeDBInstancesResponse>",
                )
            };
            HttpConnectorFuture::ready(Ok(HttpResponse::new(
                StatusCode::try_from(status).expect("valid"),
                SdkBody::from(body),
            )))
        }
    }

    /// The configuration `sdk::load` makes, with these keys and this RDS: the SDK's own
    /// identity cache and HTTP client, then `watch`.
    fn config(keys: &ProfileKeys, rds: Rds) -> SdkConfig {
        watch(
            SdkConfig::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new("us-east-1"))
                .credentials_provider(SharedCredentialsProvider::new(keys.clone()))
                .identity_cache(IdentityCache::lazy().build())
                .http_client(http_client_fn(move |_, _| {
                    SharedHttpConnector::new(rds.clone())
                }))
                .build(),
        )
    }

    #[tokio::test]
    async fn renewed_credentials_are_used_at_once_after_aws_calls_the_cached_ones_expired() {
        let keys = ProfileKeys::new("AKIDOLD");
        let rds = aws_sdk_rds::Client::new(&config(&keys, Rds { expired: "AKIDOLD" }));

        let err = rds
            .describe_db_instances()
            .send()
            .await
            .expect_err("the session ended");
        let err = aws_error("rds:DescribeDBInstances", err);
        assert_eq!(err.kind, SourceErrorKind::CredentialsExpired, "{err:?}");

        keys.renew("AKIDNEW");
        rds.describe_db_instances()
            .send()
            .await
            .expect("the renewed keys, not the cached expired ones");
        assert_eq!(keys.loads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn credentials_that_work_stay_cached() {
        let keys = ProfileKeys::new("AKIDGOOD");
        let rds = aws_sdk_rds::Client::new(&config(&keys, Rds { expired: "AKIDOLD" }));
        for _ in 0..3 {
            rds.describe_db_instances().send().await.expect("answered");
        }
        assert_eq!(keys.loads.load(Ordering::SeqCst), 1, "loaded once");
    }
}
