-- Scan runs and what they found. Services and findings are stored as JSON
-- documents of the inventory types beside the columns used to query them.
CREATE TABLE runs (
	id       INTEGER PRIMARY KEY,
	kind     TEXT NOT NULL,            -- scan, files, verify
	mode     TEXT NOT NULL,            -- safe, intrusive, ...
	started  TEXT NOT NULL,            -- RFC 3339
	finished TEXT NOT NULL,
	targets  TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE services (
	run_id    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	host      TEXT NOT NULL,
	port      INTEGER NOT NULL,
	transport TEXT NOT NULL,
	doc       TEXT NOT NULL
);
CREATE INDEX services_run ON services(run_id);
CREATE INDEX services_host ON services(host, port);
CREATE TABLE findings (
	run_id   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	check_id TEXT NOT NULL,
	severity INTEGER NOT NULL,
	host     TEXT NOT NULL DEFAULT '',
	port     INTEGER NOT NULL DEFAULT 0,
	path     TEXT NOT NULL DEFAULT '',
	doc      TEXT NOT NULL
);
CREATE INDEX findings_run ON findings(run_id);
CREATE INDEX findings_check ON findings(check_id);
