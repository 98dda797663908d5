-- File baselines for pacsguard files baseline/verify: per root directory
-- (absolute, symbolic links resolved), one row per regular file with its
-- size, modification time and SHA-256. Recording a root again replaces its
-- baseline. Paths are relative to the root, slash-separated.
CREATE TABLE file_baselines (
	id       INTEGER PRIMARY KEY,
	root     TEXT NOT NULL UNIQUE,
	recorded TEXT NOT NULL,           -- RFC 3339
	files    INTEGER NOT NULL DEFAULT 0,
	bytes    INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE file_baseline_entries (
	baseline_id INTEGER NOT NULL REFERENCES file_baselines(id) ON DELETE CASCADE,
	path        TEXT NOT NULL,
	size        INTEGER NOT NULL,
	mtime_ns    INTEGER NOT NULL,
	sha256      TEXT NOT NULL,        -- hex
	is_dicom    INTEGER NOT NULL,     -- 1 when it read as DICOM at baseline
	PRIMARY KEY (baseline_id, path)
) WITHOUT ROWID;
