//! What credentials look like: sensitive names and recognisable secret values.
//!
//! Deliberately conservative: a name is sensitive when one of its words names a secret
//! (`password`, `token`, `api key`, …) and its last word does not describe something *about*
//! the secret (`PASSWORD_FILE`, `TOKEN_TTL`, `SECRET_NAME`). Values are never echoed in
//! messages.

/// Words that name a secret on their own
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "apitoken",
    "credential",
    "credentials",
    "creds",
    "privatekey",
    "secretkey",
    "accesskey",
    "accountkey",
    "jwt",
    "bearer",
];

/// Word pairs that name a secret together
const SECRET_PAIRS: &[(&str, &str)] = &[
    ("api", "key"),
    ("access", "key"),
    ("private", "key"),
    ("signing", "key"),
    ("encryption", "key"),
    ("master", "key"),
    ("account", "key"),
    ("auth", "key"),
    ("connection", "string"),
];

/// Last words that make a name describe a secret rather than hold it
const META_SUFFIXES: &[&str] = &[
    "file",
    "files",
    "path",
    "dir",
    "directory",
    "name",
    "names",
    "ref",
    "id",
    "ids",
    "ttl",
    "timeout",
    "expiry",
    "expiration",
    "expires",
    "lifetime",
    "duration",
    "seconds",
    "secs",
    "minutes",
    "hours",
    "days",
    "length",
    "len",
    "size",
    "min",
    "max",
    "count",
    "interval",
    "period",
    "enabled",
    "enable",
    "disabled",
    "required",
    "type",
    "mode",
    "header",
    "version",
    "location",
    "url",
    "uri",
    "endpoint",
    "host",
    "port",
    "user",
    "username",
    "policy",
    "field",
    "prefix",
    "format",
    "algorithm",
    "issuer",
    "audience",
    "scope",
    "scopes",
    "kind",
    "namespace",
    "mount",
    "provider",
    "store",
];

/// Lower-case words of a name: `DB_PASSWORD` / `dbPassword` / `db.password` → `db`, `password`
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for ch in name.chars() {
        if !ch.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if ch.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
        cur.push(ch.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Does this variable / key name say it holds a credential?
fn sensitive_name(name: &str) -> bool {
    let w = words(name);
    let Some(last) = w.last() else {
        return false;
    };
    let names_secret = w.iter().any(|x| SECRET_WORDS.contains(&x.as_str()))
        || w.windows(2)
            .any(|p| SECRET_PAIRS.contains(&(p[0].as_str(), p[1].as_str())));
    names_secret && !META_SUFFIXES.contains(&last.as_str())
}

/// Is this value a literal worth reporting when its name is sensitive? Empty values,
/// references (`$(VAR)`, `${VAR}`, `{{ … }}`), booleans and file paths are not.
fn literal_value(value: &str) -> bool {
    let v = value.trim().trim_matches(|c| c == '"' || c == '\'').trim();
    if v.is_empty() || v.starts_with('/') || is_reference(v) {
        return false;
    }
    !matches!(
        v.to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "none" | "nil" | "~"
    )
}

/// A value that points somewhere else rather than holding a secret
fn is_reference(v: &str) -> bool {
    (v.starts_with("$(") && v.ends_with(')'))
        || (v.starts_with("${") && v.ends_with('}'))
        || v.starts_with("{{")
        || (v.starts_with('<') && v.ends_with('>'))
        || v.starts_with("ENC(")
        || v.starts_with("vault:")
        || v.starts_with("ref+")
}

/// Why a named value (an env variable, a ConfigMap key) looks like a credential
pub(crate) enum Credential {
    /// The value is recognisably one, whatever its name: what it is (`a private key`)
    Value(&'static str),
    /// The name says it holds one, and the value is a literal
    NamedLiteral,
}

/// Does a name/value pair hold a credential?
pub(crate) fn named_credential(name: &str, value: &str) -> Option<Credential> {
    if let Some(kind) = credential_value(value) {
        return Some(Credential::Value(kind));
    }
    (sensitive_name(name) && literal_value(value)).then_some(Credential::NamedLiteral)
}

/// What a value looks like when it is recognisably a credential whatever its name
fn credential_value(value: &str) -> Option<&'static str> {
    if value.contains("-----BEGIN") && value.contains("PRIVATE KEY") {
        return Some("a private key");
    }
    if url_with_password(value) {
        return Some("a URL with an embedded password");
    }
    value
        .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
        .find_map(token_kind)
}

fn token_kind(t: &str) -> Option<&'static str> {
    let alnum = |s: &str| s.chars().all(|c| c.is_ascii_alphanumeric());
    let b64url = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    if t.starts_with("eyJ") {
        let parts: Vec<&str> = t.split('.').collect();
        if parts.len() == 3 && parts[..2].iter().all(|p| p.len() >= 10 && b64url(p)) {
            return Some("a JSON web token");
        }
    }
    for prefix in ["AKIA", "ASIA"] {
        if let Some(rest) = t.strip_prefix(prefix)
            && rest.len() == 16
            && rest
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        {
            return Some("an AWS access key");
        }
    }
    for prefix in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] {
        if t.strip_prefix(prefix)
            .is_some_and(|r| r.len() >= 36 && alnum(r))
        {
            return Some("a GitHub token");
        }
    }
    if t.strip_prefix("github_pat_")
        .is_some_and(|r| r.len() >= 22 && b64url(r))
    {
        return Some("a GitHub token");
    }
    for prefix in ["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-"] {
        if t.strip_prefix(prefix)
            .is_some_and(|r| r.len() >= 10 && b64url(r))
        {
            return Some("a Slack token");
        }
    }
    if t.strip_prefix("AIza")
        .is_some_and(|r| r.len() == 35 && b64url(r))
    {
        return Some("a Google API key");
    }
    if t.strip_prefix("sk_live_")
        .is_some_and(|r| r.len() >= 16 && alnum(r))
    {
        return Some("a Stripe secret key");
    }
    None
}

/// `scheme://user:password@host…` with a literal password
fn url_with_password(value: &str) -> bool {
    let mut rest = value;
    while let Some(i) = rest.find("://") {
        let after = &rest[i + 3..];
        let authority = after
            .split(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace())
            .next()
            .unwrap_or("");
        if let Some((userinfo, _host)) = authority.rsplit_once('@')
            && let Some((_user, password)) = userinfo.split_once(':')
            && !password.is_empty()
            && !is_reference(password)
            && !password.contains("$(")
        {
            return true;
        }
        rest = after;
    }
    false
}

/// Sensitive `key = value` / `key: value` / `"key": "value"` assignments in the lines of an
/// embedded configuration file: the key of the first one with a literal value
pub(crate) fn sensitive_assignment(text: &str) -> Option<&str> {
    for line in text.lines() {
        let line = line.trim().trim_start_matches("export ").trim();
        if line.is_empty() || line.starts_with(['#', ';']) || line.starts_with("//") {
            continue;
        }
        let Some(sep) = line.find(['=', ':']) else {
            continue;
        };
        let key = line[..sep]
            .trim()
            .trim_matches(|c| c == '"' || c == '\'' || c == '-')
            .trim();
        let value = line[sep + 1..]
            .trim()
            .trim_end_matches(',')
            .split(" #")
            .next()
            .unwrap_or("")
            .trim();
        if key.is_empty() || key.contains(char::is_whitespace) {
            continue;
        }
        // `key: |` opens a block; `key: {` or `[` a nested structure
        if value.starts_with(['|', '>', '{', '[', '&', '*']) {
            continue;
        }
        if sensitive_name(key) && literal_value(value) {
            return Some(key);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for yes in [
            "DB_PASSWORD",
            "dbPassword",
            "db.password",
            "API_KEY",
            "apiKey",
            "SECRET_KEY",
            "GITHUB_TOKEN",
            "JWT_SECRET",
            "AWS_SECRET_ACCESS_KEY",
            "client-secret",
            "STORAGE_ACCOUNT_KEY",
            "MYSQL_ROOT_PASSWORD",
            "ConnectionString",
            "REFRESH_TOKEN",
        ] {
            assert!(sensitive_name(yes), "{yes}");
        }
        for no in [
            "PASSWORD_FILE",
            "TOKEN_TTL",
            "SECRET_NAME",
            "PASSWORD_MIN_LENGTH",
            "TOKEN_AUTH_ENABLED",
            "LOG_LEVEL",
            "KEYCLOAK_URL",
            "TOKENIZER_MODEL",
            "API_KEY_HEADER",
            "PASSWORD_POLICY",
            "AWS_ACCESS_KEY_ID",
            "MONKEY",
            "",
        ] {
            assert!(!sensitive_name(no), "{no}");
        }
    }

    #[test]
    fn values() {
        assert!(literal_value("hunter2"));
        for no in [
            "",
            "$(OTHER)",
            "${X}",
            "{{ .Values.x }}",
            "true",
            "/run/secrets/x",
            "<changeme>",
        ] {
            assert!(!literal_value(no), "{no}");
        }
        assert_eq!(
            credential_value("-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----"),
            Some("a private key")
        );
        assert_eq!(
            credential_value("postgres://app:s3cr3t@db:5432/app"),
            Some("a URL with an embedded password")
        );
        assert_eq!(credential_value("postgres://app:$(DB_PASS)@db/app"), None);
        assert_eq!(credential_value("https://example.com/a:b@c"), None);
        assert_eq!(
            credential_value("Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZW1vIn0.c2lnbmF0dXJl"),
            Some("a JSON web token")
        );
        assert_eq!(
            credential_value("key=AKIAABCDEFGHIJKLMNOP"),
            Some("an AWS access key")
        );
        assert_eq!(credential_value("nginx:1.27"), None);
        assert_eq!(credential_value("AKIA-not-a-key"), None);
    }

    #[test]
    fn assignments() {
        assert_eq!(
            sensitive_assignment("host=db\npassword = hunter2\n"),
            Some("password")
        );
        assert_eq!(
            sensitive_assignment("database:\n  password: \"hunter2\"\n"),
            Some("password")
        );
        assert_eq!(
            sensitive_assignment("{\n  \"apiKey\": \"abc123\",\n}"),
            Some("apiKey")
        );
        assert_eq!(sensitive_assignment("password: ${DB_PASSWORD}\n"), None);
        assert_eq!(
            sensitive_assignment("# password: hunter2\ntoken_ttl: 30\n"),
            None
        );
        assert_eq!(sensitive_assignment("secrets:\n  - name: x\n"), None);
    }
}
