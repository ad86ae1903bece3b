-- When each API token was last used (issue 10), shown on the account page beside its name
-- and creation, so that a forgotten or leaked token can be recognised and revoked.
--
-- Kept in lockstep with the other backend's 0007_token_use.sql.

ALTER TABLE api_tokens ADD COLUMN last_used_at TIMESTAMPTZ;
