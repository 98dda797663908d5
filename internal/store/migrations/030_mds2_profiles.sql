-- Device security profiles read from MDS2 forms (pacsguard mds2 import).
-- doc is the JSON profile (schema pacsguard.mds2/v1); the columns beside it
-- are what lookups and listings need. Re-importing the same file for the same
-- device replaces its row; a new form for the device adds one.
CREATE TABLE mds2_profiles (
	id            INTEGER PRIMARY KEY,
	device_key    TEXT NOT NULL,           -- manufacturer/model[/version], lower case
	manufacturer  TEXT NOT NULL DEFAULT '',
	model         TEXT NOT NULL DEFAULT '',
	version       TEXT NOT NULL DEFAULT '',
	document_date TEXT NOT NULL DEFAULT '', -- YYYY-MM-DD when readable
	source_name   TEXT NOT NULL,
	source_sha256 TEXT NOT NULL,
	imported      TEXT NOT NULL,           -- RFC 3339
	doc           TEXT NOT NULL,
	UNIQUE (device_key, source_sha256)
);
CREATE INDEX mds2_profiles_key ON mds2_profiles(device_key);
