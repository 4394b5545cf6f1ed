//! Drives the `oauth2` crate through the workspace's one `reqwest` (no second HTTP stack).

use std::time::Duration;

use futures::future::BoxFuture;
use oauth2::{AsyncHttpClient, HttpRequest, HttpResponse};
use reqwest::header::{HeaderValue, USER_AGENT};

/// `oauth2`'s async HTTP client trait over a `reqwest::Client`, adding the User-Agent and a
/// time limit. Errors lose their URL (a revocation URL would carry a token).
#[derive(Debug, Clone)]
pub(crate) struct HttpAdapter {
    pub(crate) http: reqwest::Client,
    pub(crate) user_agent: HeaderValue,
    pub(crate) timeout: Duration,
}

impl<'c> AsyncHttpClient<'c> for HttpAdapter {
    type Error = reqwest::Error;
    type Future = BoxFuture<'c, Result<HttpResponse, reqwest::Error>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let response = self
                .http
                .request(parts.method, parts.uri.to_string())
                .headers(parts.headers)
                .header(USER_AGENT, self.user_agent.clone())
                .timeout(self.timeout)
                .body(body)
                .send()
                .await
                .map_err(reqwest::Error::without_url)?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.bytes().await.map_err(reqwest::Error::without_url)?;
            let mut out = HttpResponse::new(body.to_vec());
            *out.status_mut() = status;
            *out.headers_mut() = headers;
            Ok(out)
        })
    }
}
