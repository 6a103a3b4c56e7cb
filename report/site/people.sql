-- The directory as of the site's day, each person's manager resolved to a directory id.
-- Input: lapse_people (aggregate/load.sql); the manager column holds an id or an e-mail.
-- Output: id, email, team, status, manager (the manager's directory id; the column's own value when it
--   names nobody in the directory; NULL when empty); by id.
SELECT p.id, p.email, p.team, p.status, nullif(coalesce(by_id.id, by_email.id, p.manager), '') AS manager
FROM lapse_people p
LEFT JOIN lapse_people by_id ON by_id.id = p.manager
LEFT JOIN lapse_people by_email ON lower(by_email.email) = lower(p.manager)
QUALIFY row_number() OVER (PARTITION BY p.id ORDER BY by_id.id NULLS LAST, by_email.id) = 1
ORDER BY p.id
