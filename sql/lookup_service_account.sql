-- lookup_service_account: the service account an `agno_pat_` token belongs to, looked up as
-- agno 3.1.10 looks it up (`get_service_account_by_token_hash`): by the SHA-256 hex digest of the
-- whole token, in agno's own table ({service_accounts}, agno_service_accounts by default).
-- Returns 0 or 1 row (token_hash is unique); revocation and expiry are judged by the caller, as agno
-- judges them in Python (revoked when revoked_at is set; expired when expires_at <= now).
SELECT sa.id, sa.name, sa.scopes, sa.expires_at, sa.revoked_at
  FROM {service_accounts} sa
 WHERE sa.token_hash = %(token_hash)s
