//! Downloads of message attachments, only from Discord's CDN hosts (configurable for tests),
//! with a size cap and no redirects, so a URL in a message cannot make Gavel fetch anything
//! else (no SSRF).
//!
//! It sits with the object stores, not in `ports` (contracts only), because it is I/O on
//! evidence objects that the services call, like the storage backends beside it.

use super::spool::Spool;
use crate::domain::evidence::digest::ObjectDigest;
use std::net::IpAddr;
use std::time::Duration;

#[derive(Clone)]
pub struct CdnClient {
    http: reqwest::Client,
    hosts: Vec<String>,
    max_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CdnError {
    #[error("it is not on Discord's CDN ({0}), so Gavel does not download it")]
    HostNotAllowed(String),
    #[error("it is larger than the {0}-byte limit")]
    TooLarge(u64),
    #[error("the download failed: {0}")]
    Failed(String),
}

impl CdnClient {
    pub fn new(hosts: Vec<String>, max_bytes: u64) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(60))
            .build()
            .expect("a reqwest client with rustls builds");
        CdnClient {
            http,
            hosts,
            max_bytes,
        }
    }

    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// Whether `url` may be downloaded: https on an allowed host, or plain http on an allowed
    /// loopback host (the tests' fake CDN).
    pub fn allowed(&self, url: &str) -> Result<reqwest::Url, CdnError> {
        let parsed = reqwest::Url::parse(url).map_err(|_| CdnError::HostNotAllowed(url.into()))?;
        let host = parsed
            .host_str()
            .ok_or_else(|| CdnError::HostNotAllowed(url.into()))?
            .to_ascii_lowercase();
        let listed = self.hosts.contains(&host);
        let loopback = host
            .trim_matches(['[', ']'])
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
        let scheme_ok = parsed.scheme() == "https" || (parsed.scheme() == "http" && loopback);
        if listed && scheme_ok && parsed.username().is_empty() && parsed.password().is_none() {
            Ok(parsed)
        } else {
            Err(CdnError::HostNotAllowed(host))
        }
    }

    /// The bytes at `url`, refused past the size cap, spooled to a temporary file and hashed as
    /// they arrive.
    pub async fn download(&self, url: &str) -> Result<Download, CdnError> {
        let url = self.allowed(url)?;
        let mut response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| CdnError::Failed(e.without_url().to_string()))?;
        if !response.status().is_success() {
            return Err(CdnError::Failed(format!(
                "the CDN answered {}",
                response.status()
            )));
        }
        if response
            .content_length()
            .is_some_and(|n| n > self.max_bytes)
        {
            return Err(CdnError::TooLarge(self.max_bytes));
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut spool = Spool::create().await.map_err(spool_failed)?;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| CdnError::Failed(e.without_url().to_string()))?
        {
            if spool.size() + chunk.len() as u64 > self.max_bytes {
                return Err(CdnError::TooLarge(self.max_bytes));
            }
            spool.write(&chunk).await.map_err(spool_failed)?;
        }
        let digest = spool.finish().await.map_err(spool_failed)?;
        Ok(Download {
            spool,
            digest,
            content_type,
        })
    }
}

/// A downloaded attachment, waiting in a temporary file to be stored.
pub struct Download {
    pub spool: Spool,
    pub digest: ObjectDigest,
    /// As the CDN served it.
    pub content_type: Option<String>,
}

fn spool_failed(error: std::io::Error) -> CdnError {
    tracing::error!(%error, "a download could not be written to a temporary file");
    CdnError::Failed("Gavel could not write it to a temporary file".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_hosts_over_https_or_loopback_http() {
        let cdn = CdnClient::new(vec!["cdn.discordapp.com".into(), "127.0.0.1".into()], 10);
        assert!(cdn
            .allowed("https://cdn.discordapp.com/attachments/1/2/a.png")
            .is_ok());
        assert!(cdn.allowed("http://cdn.discordapp.com/a.png").is_err());
        assert!(cdn
            .allowed("https://cdn.discordapp.com.evil.com/a.png")
            .is_err());
        assert!(cdn
            .allowed("https://user@cdn.discordapp.com/a.png")
            .is_err());
        assert!(cdn.allowed("http://127.0.0.1:9/cdn/a.png").is_ok());
        assert!(cdn.allowed("http://localhost:9/cdn/a.png").is_err());
        assert!(cdn.allowed("http://169.254.169.254/latest").is_err());
        assert!(cdn.allowed("file:///etc/passwd").is_err());
    }
}
