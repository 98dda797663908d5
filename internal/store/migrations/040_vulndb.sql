-- Advisory records imported with `pacsguard vulndb import`. Each row is one
-- normalised record (a JSON document of vulndb.Advisory) from one source
-- (nvd, kev, csaf); the effective database is the embedded one with these
-- merged on top in import order, so the embedded data is never overwritten.
CREATE TABLE vulndb_records (
	source   TEXT NOT NULL,
	id       TEXT NOT NULL,
	file     TEXT NOT NULL DEFAULT '',  -- base name of the imported file
	imported TEXT NOT NULL,             -- RFC 3339
	ord      INTEGER NOT NULL,          -- merge order: import order, then file order
	doc      TEXT NOT NULL,
	PRIMARY KEY (source, id)
);
CREATE TABLE vulndb_imports (
	id        INTEGER PRIMARY KEY,
	imported  TEXT NOT NULL,            -- RFC 3339
	files     TEXT NOT NULL DEFAULT '[]',
	added     INTEGER NOT NULL DEFAULT 0,
	updated   INTEGER NOT NULL DEFAULT 0,
	unchanged INTEGER NOT NULL DEFAULT 0,
	ignored   INTEGER NOT NULL DEFAULT 0
);
