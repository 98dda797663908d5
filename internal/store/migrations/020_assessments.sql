-- Saved assessments (pacsguard assess --save/--resume/--compare-previous).
-- answers and result are JSON documents of the assess package
-- (pacsguard.assess.answers/v1 and pacsguard.assess/v1); complete is 0 while
-- an interactive session is still in progress, so it can be resumed.
CREATE TABLE assessments (
	id       INTEGER PRIMARY KEY,
	name     TEXT NOT NULL,
	created  TEXT NOT NULL,             -- RFC 3339
	complete INTEGER NOT NULL DEFAULT 1,
	size     TEXT NOT NULL DEFAULT '',
	overall  REAL,                      -- NULL when nothing was scored
	answers  TEXT NOT NULL,
	result   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX assessments_name ON assessments(name, id);
