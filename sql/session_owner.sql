-- session_owner: who owns a session id, read only after a create's insert found the id taken, to
-- pick between AgentOS's two 409 answers (agno/os/routers/session/session.py: create_session): the informative one when the
-- caller may see that session (unscoped, or its owner), the generic one otherwise, so a scoped
-- caller never learns that another user's session exists. Returns 0 or 1 row.
SELECT s.user_id FROM {sessions} s WHERE s.session_id = %(session_id)s
