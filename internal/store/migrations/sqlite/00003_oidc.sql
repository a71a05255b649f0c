-- grouprise as an OpenID Connect provider: the clients the operator registered, the
-- authorization requests in flight (with their code once the person agreed), the access
-- tokens issued, and the consents people gave to clients that are not trusted. Codes and
-- client secrets are kept as SHA-256 hashes; all of it lives in the store, so that several
-- web daemons share it.

-- +goose Up
CREATE TABLE oidc_clients (
    id                        INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id                 TEXT NOT NULL UNIQUE,
    name                      TEXT NOT NULL,
    secret_hash               TEXT NOT NULL DEFAULT '',
    redirect_uris             TEXT NOT NULL,
    post_logout_redirect_uris TEXT NOT NULL DEFAULT '',
    trusted                   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at                TIMESTAMP NOT NULL
);

CREATE TABLE oidc_auth_requests (
    id                    TEXT PRIMARY KEY,
    client_id             TEXT NOT NULL REFERENCES oidc_clients (client_id) ON DELETE CASCADE,
    redirect_uri          TEXT NOT NULL,
    scopes                TEXT NOT NULL,
    state                 TEXT NOT NULL DEFAULT '',
    nonce                 TEXT NOT NULL DEFAULT '',
    response_type         TEXT NOT NULL,
    response_mode         TEXT NOT NULL DEFAULT '',
    prompt                TEXT NOT NULL DEFAULT '',
    max_age               INTEGER,
    code_challenge        TEXT NOT NULL DEFAULT '',
    code_challenge_method TEXT NOT NULL DEFAULT '',
    gestalt_id            INTEGER REFERENCES gestalten (id) ON DELETE CASCADE,
    auth_time             TIMESTAMP,
    code_hash             TEXT UNIQUE,
    code_used             BOOLEAN NOT NULL DEFAULT FALSE,
    created_at            TIMESTAMP NOT NULL,
    expires_at            TIMESTAMP NOT NULL
);
CREATE INDEX oidc_auth_requests_expires ON oidc_auth_requests (expires_at);

CREATE TABLE oidc_tokens (
    id              TEXT PRIMARY KEY,
    client_id       TEXT NOT NULL REFERENCES oidc_clients (client_id) ON DELETE CASCADE,
    gestalt_id      INTEGER NOT NULL REFERENCES gestalten (id) ON DELETE CASCADE,
    auth_request_id TEXT,
    scopes          TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    expires_at      TIMESTAMP NOT NULL
);
CREATE INDEX oidc_tokens_expires ON oidc_tokens (expires_at);
CREATE INDEX oidc_tokens_request ON oidc_tokens (auth_request_id);
CREATE INDEX oidc_tokens_gestalt ON oidc_tokens (gestalt_id, client_id);

CREATE TABLE oidc_consents (
    gestalt_id INTEGER NOT NULL REFERENCES gestalten (id) ON DELETE CASCADE,
    client_id  TEXT NOT NULL REFERENCES oidc_clients (client_id) ON DELETE CASCADE,
    scopes     TEXT NOT NULL,
    granted_at TIMESTAMP NOT NULL,
    PRIMARY KEY (gestalt_id, client_id)
);

-- +goose Down
DROP TABLE oidc_consents;
DROP TABLE oidc_tokens;
DROP TABLE oidc_auth_requests;
DROP TABLE oidc_clients;
