-- touch_service_account: record when a service account last authenticated, as agno's verifier does
-- (`update_service_account(id, last_used_at=now)`), at most once a minute per account and worker.
UPDATE {service_accounts} SET last_used_at = %(now)s WHERE id = %(id)s
