-- ping: the trivial round trip /readyz makes to each database.
SELECT 1
