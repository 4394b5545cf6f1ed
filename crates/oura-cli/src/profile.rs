//! Where the tool keeps its login: the configuration directory, the OAuth application and
//! server (`login.json`) and the tokens (`tokens.json`, the library's `FileStore`).

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use oura::oauth::{Endpoints, FileStore, OAuthClient, OAuthConfig, Revocation};
use serde::{Deserialize, Serialize};

use crate::failure::{Failure, code};

/// The application name sent in the User-Agent.
pub const APPLICATION: &str = concat!("oura-cli/", env!("CARGO_PKG_VERSION"));

/// A non-empty environment variable.
pub fn env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

/// The configuration directory: `OURA_CONFIG_DIR`, else the platform's (`$XDG_CONFIG_HOME/oura`
/// or `~/.config/oura`; `~/Library/Application Support/oura` on macOS; `%APPDATA%\oura` on
/// Windows).
pub fn config_dir() -> Result<PathBuf, Failure> {
    if let Some(dir) = env("OURA_CONFIG_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let base = if cfg!(windows) {
        env("APPDATA").map(PathBuf::from)
    } else if cfg!(target_os = "macos") {
        env("HOME").map(|home| Path::new(&home).join("Library").join("Application Support"))
    } else {
        env("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| env("HOME").map(|home| Path::new(&home).join(".config")))
    };
    base.map(|base| base.join("oura")).ok_or_else(|| {
        Failure::new(
            code::LOCAL_IO,
            "cannot tell where the configuration directory is (no HOME): set OURA_CONFIG_DIR",
        )
    })
}

/// The token store of the configuration directory.
pub fn token_store(dir: &Path) -> FileStore {
    FileStore::new(dir.join("tokens.json"))
}

/// What `oura login` saved besides the tokens: the application and its authorization server,
/// and the API root the tokens are for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// The OAuth client id.
    pub client_id: String,
    /// The OAuth client secret (the file is readable by its owner only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<oura::Secret>,
    /// The redirect URI used at login.
    pub redirect_uri: String,
    /// Authorization endpoint.
    pub authorize_url: String,
    /// Token endpoint.
    pub token_url: String,
    /// Revocation endpoint.
    pub revoke_url: String,
    /// Whether the server uses PKCE.
    #[serde(default)]
    pub pkce: bool,
    /// Text before every scope (`extapi:` for the newer identity provider).
    #[serde(default)]
    pub scope_prefix: String,
    /// `query` (Oura's legacy `?access_token=`) or `rfc7009`.
    #[serde(default = "default_revocation")]
    pub revocation: String,
    /// The API root the tokens are for, when it is not Oura's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
}

fn default_revocation() -> String {
    "query".to_owned()
}

impl Profile {
    const FILE: &'static str = "login.json";

    /// The authorization server.
    pub fn endpoints(&self) -> Endpoints {
        let revocation = if self.revocation == "rfc7009" {
            Revocation::Rfc7009
        } else {
            Revocation::AccessTokenQuery
        };
        Endpoints::custom(&self.authorize_url, &self.token_url, &self.revoke_url)
            .with_pkce(self.pkce)
            .with_scope_prefix(&self.scope_prefix)
            .with_revocation(revocation)
    }

    /// Records an endpoint set.
    pub fn set_endpoints(&mut self, endpoints: &Endpoints) {
        self.authorize_url = endpoints.authorize_url().to_owned();
        self.token_url = endpoints.token_url().to_owned();
        self.revoke_url = endpoints.revoke_url().to_owned();
        self.pkce = endpoints.uses_pkce();
        self.scope_prefix = endpoints.scope_prefix().to_owned();
        self.revocation = match endpoints.revocation() {
            Revocation::Rfc7009 => "rfc7009".to_owned(),
            _ => "query".to_owned(),
        };
    }

    /// The OAuth client of this profile.
    pub fn oauth_client(&self) -> Result<OAuthClient, Failure> {
        let config = match &self.client_secret {
            Some(secret) => OAuthConfig::new(&self.client_id, secret.clone(), &self.redirect_uri),
            None => OAuthConfig::public(&self.client_id, &self.redirect_uri),
        }
        .with_endpoints(self.endpoints());
        Ok(OAuthClient::builder(config).application(APPLICATION).build()?)
    }

    /// The saved profile, if any.
    pub fn load(dir: &Path) -> Result<Option<Profile>, Failure> {
        let path = dir.join(Self::FILE);
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|err| {
                Failure::new(
                    code::LOCAL_IO,
                    format!(
                        "{} is damaged ({err}): delete it and run `oura login` again",
                        path.display()
                    ),
                )
            }),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(Failure::io(format!("cannot read {}", path.display()), &err)),
        }
    }

    /// Saves the profile, readable by its owner only, replacing the file atomically.
    pub fn save(&self, dir: &Path) -> Result<(), Failure> {
        let bytes = serde_json::to_vec_pretty(self).map_err(|err| Failure::new(code::GENERAL, err.to_string()))?;
        write_private(&dir.join(Self::FILE), &bytes)
    }

    /// Deletes the saved profile.
    pub fn remove(dir: &Path) -> Result<(), Failure> {
        let path = dir.join(Self::FILE);
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(Failure::io(format!("cannot delete {}", path.display()), &err)),
        }
    }
}

/// Writes a file readable by its owner only: a temporary file in the same directory, flushed,
/// then renamed over the old one.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let dir = path.parent().unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file"),
        std::process::id()
    ));
    let result = (|| {
        let mut options = fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    result.map_err(|err| {
        let _ = fs::remove_file(&tmp);
        Failure::io(format!("cannot write {}", path.display()), &err)
    })
}

/// Creates the configuration directory (owner-only on Unix) if needed.
pub fn create_private_dir(dir: &Path) -> Result<(), Failure> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|err| Failure::io(format!("cannot create {}", dir.display()), &err))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_round_trips_through_its_file_and_keeps_its_endpoints() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut profile = Profile {
            client_id: "id".into(),
            client_secret: Some("secret".into()),
            redirect_uri: "http://127.0.0.1:1/callback".into(),
            authorize_url: String::new(),
            token_url: String::new(),
            revoke_url: String::new(),
            pkce: false,
            scope_prefix: String::new(),
            revocation: default_revocation(),
            base_url: Some("http://127.0.0.1:1".into()),
        };
        profile.set_endpoints(&Endpoints::moi());
        profile.save(dir.path()).expect("save");
        let loaded = Profile::load(dir.path()).expect("load").expect("some");
        assert_eq!(loaded, profile);
        assert_eq!(loaded.client_secret.as_ref().map(oura::Secret::expose), Some("secret"));
        let shown = format!("{loaded:?}");
        assert!(
            !shown.contains("secret\""),
            "the client secret is redacted in Debug: {shown}"
        );
        assert_eq!(loaded.endpoints(), Endpoints::moi());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(dir.path().join("login.json"))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        Profile::remove(dir.path()).expect("remove");
        assert_eq!(Profile::load(dir.path()).expect("load"), None);
    }
}
